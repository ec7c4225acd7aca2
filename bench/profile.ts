/**
 * `npm run bench:profile [-- <dir>] [--inclusive <regex>]`: the hot spots of every .cpuprofile
 * under a folder (default: the newest bench/runs/<time>/profiles, where `npm run bench -- --profile`
 * writes one per member, by system and N). With --inclusive: time on the stack (the function and its callees) as
 * a share of busy time, for the functions whose place matches (e.g. "server/" for ringcast's own),
 * the profiles of one folder (one system at one N) taken together.
 */
import { existsSync, readdirSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { parseCli } from "../server/cli/cli-args.ts";
import { hotSpots, inclusiveSpots } from "./measure/cpu-profile.ts";

const { values, positionals } = parseCli({
  usage: "npm run bench:profile -- [<folder>] [--inclusive <regex>]",
  summary: "Prints the hot spots of every .cpuprofile under a folder (default: the newest bench/runs/<time>/profiles).",
  positionals: "<folder> (optional)",
  options: { inclusive: { type: "string", help: "time on the stack for the functions whose place matches this regex (e.g. server/), per folder" } },
});
const root = positionals[0] ?? newestProfiles();

/** The profiles folder of the newest bench run that has one. */
function newestProfiles(): string {
  const runs = new URL("./runs/", import.meta.url).pathname;
  const withProfiles = existsSync(runs) ? readdirSync(runs).sort().reverse().map((run) => join(runs, run, "profiles")).find((dir) => existsSync(dir)) : undefined;
  return withProfiles ?? join(runs, "(none: run npm run bench -- --profile)");
}
const profiles = (existsSync(root) ? readdirSync(root, { recursive: true, encoding: "utf8" }) : [])
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
