/**
 * `npm run bench:profile [-- <dir>] [--inclusive <regex>]`: the hot spots of every .cpuprofile
 * under a folder (default bench/results/profiles, where `npm run bench -- --profile` writes one per
 * member, by system and N). With --inclusive: time on the stack (the function and its callees) as
 * a share of busy time, for the functions whose place matches (e.g. "server/" for ringcast's own).
 */
import { readdirSync } from "node:fs";
import { join, relative } from "node:path";
import { parseArgs } from "node:util";
import { hotSpots, inclusiveSpots } from "./measure/cpu-profile.ts";

const { values, positionals } = parseArgs({ allowPositionals: true, options: { inclusive: { type: "string" } } });
const root = positionals[0] ?? new URL("./results/profiles/", import.meta.url).pathname;
const profiles = readdirSync(root, { recursive: true, encoding: "utf8" })
  .filter((f) => f.endsWith(".cpuprofile"))
  .sort();
if (profiles.length === 0) console.log(`no .cpuprofile under ${root} (run: npm run bench -- --profile)`);
for (const file of profiles) {
  const path = join(root, file);
  if (values.inclusive !== undefined) {
    const { busy, spots } = inclusiveSpots(path, new RegExp(values.inclusive));
    console.log(`\n${relative(root, path)} (busy ${(busy * 100).toFixed(0)}% of the samples; share of busy time on the stack)`);
    for (const spot of spots) console.log(`  ${(spot.busyShare * 100).toFixed(1).padStart(5)}%  ${spot.where}`);
    continue;
  }
  console.log(`\n${relative(root, path)}`);
  for (const spot of hotSpots(path)) console.log(`  ${(spot.selfShare * 100).toFixed(1).padStart(5)}%  ${spot.where}`);
}
