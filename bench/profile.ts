/**
 * `npm run bench:profile -- <dir>`: the hot spots of every .cpuprofile in a folder (written by
 * members profiled by `npm run bench -- --profile`).
 */
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { hotSpots } from "./measure/cpu-profile.ts";

const dir = process.argv[2] ?? new URL("./results/profiles/", import.meta.url).pathname;
for (const file of readdirSync(dir).filter((f) => f.endsWith(".cpuprofile")).sort()) {
  console.log(`\n${file}`);
  for (const spot of hotSpots(join(dir, file))) console.log(`  ${(spot.selfShare * 100).toFixed(1).padStart(5)}%  ${spot.where}`);
}
