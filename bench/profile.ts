/**
 * `npm run bench:profile [-- <dir>] [--inclusive <regex>]`: the hot spots of every .cpuprofile
 * under a folder (default bench/results/profiles, where `npm run bench -- --profile` writes one per
 * member, by system and N). With --inclusive: time on the stack (the function and its callees) as
 * a share of busy time, for the functions whose place matches (e.g. "server/" for ringcast's own),
 * the profiles of one folder (one system at one N) taken together.
 */
import { readdirSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { parseArgs } from "node:util";
import { hotSpots, inclusiveSpots } from "./measure/cpu-profile.ts";

const { values, positionals } = parseArgs({ allowPositionals: true, options: { inclusive: { type: "string" } } });
const root = positionals[0] ?? new URL("./results/profiles/", import.meta.url).pathname;
const profiles = readdirSync(root, { recursive: true, encoding: "utf8" })
  .filter((f) => f.endsWith(".cpuprofile"))
  .sort();
if (profiles.length === 0) console.log(`no .cpuprofile under ${root} (run: npm run bench -- --profile)`);
if (values.inclusive !== undefined) {
  const folders = new Map<string, string[]>();
  for (const file of profiles) folders.set(dirname(file), [...(folders.get(dirname(file)) ?? []), file]);
  for (const [folder, files] of folders) {
    const { busy, busyMs, spots } = inclusiveSpots(files.map((f) => join(root, f)), new RegExp(values.inclusive));
    console.log(`\n${folder} (${files.length} profiles, busy ${Math.round(busyMs)} ms = ${(busy * 100).toFixed(1)}% of the samples; per function: share of busy time on the stack, ms)`);
    for (const spot of spots) console.log(`  ${(spot.busyShare * 100).toFixed(1).padStart(5)}%  ${String(Math.round(spot.ms)).padStart(6)} ms  ${spot.where}`);
  }
}
for (const file of values.inclusive === undefined ? profiles : []) {
  const path = join(root, file);
  console.log(`\n${relative(root, path)}`);
  for (const spot of hotSpots(path)) console.log(`  ${(spot.selfShare * 100).toFixed(1).padStart(5)}%  ${spot.where}`);
}
