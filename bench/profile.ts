/**
 * `npm run bench:profile [-- <dir>]`: the hot spots of every .cpuprofile under a folder (default
 * bench/results/profiles, where `npm run bench -- --profile` writes one per member, by system and N).
 */
import { readdirSync } from "node:fs";
import { join, relative } from "node:path";
import { hotSpots } from "./measure/cpu-profile.ts";

const root = process.argv[2] ?? new URL("./results/profiles/", import.meta.url).pathname;
const profiles = readdirSync(root, { recursive: true, encoding: "utf8" })
  .filter((f) => f.endsWith(".cpuprofile"))
  .sort();
if (profiles.length === 0) console.log(`no .cpuprofile under ${root} (run: npm run bench -- --profile)`);
for (const file of profiles) {
  console.log(`\n${relative(root, join(root, file))}`);
  for (const spot of hotSpots(join(root, file))) console.log(`  ${(spot.selfShare * 100).toFixed(1).padStart(5)}%  ${spot.where}`);
}
