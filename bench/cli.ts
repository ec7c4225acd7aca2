/**
 * `npm run bench`: every scenario against vanilla socket.io (classic and sharded Redis adapter)
 * and ringcast (broadcast and hash mode), members as separate processes, one redis-server, a load
 * generator process; loopback only, bounded in time. Writes bench/results/latest.{md,json}.
 *   npm run bench -- --scenarios unicast,unicast-max --members 1,2 --runs 3 --seconds 8
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { runBench } from "./bench-run.ts";
import { chartSvg } from "./chart.ts";
import { buildRows, markdown } from "./report.ts";
import { DEFAULT_SCENARIOS, SCENARIOS } from "./scenarios.ts";
import { SYSTEM_KINDS, type SystemKind } from "./systems/system.ts";

const { values } = parseArgs({
  options: {
    scenarios: { type: "string", default: DEFAULT_SCENARIOS.join(",") },
    systems: { type: "string", default: SYSTEM_KINDS.join(",") },
    members: { type: "string", default: "1,2,4,8" },
    runs: { type: "string", default: "3" },
    seconds: { type: "string", default: "5" },
    classes: { type: "string", default: "65" },
    out: { type: "string", default: new URL("./results/", import.meta.url).pathname },
  },
});

function list<T extends string>(value: string, allowed: readonly T[], what: string): T[] {
  const items = value.split(",").map((s) => s.trim()) as T[];
  const unknown = items.filter((s) => !allowed.includes(s));
  if (unknown.length > 0) throw new Error(`unknown ${what}: ${unknown.join(", ")} (choose from ${allowed.join(", ")})`);
  return items;
}

const bounded = (value: string, min: number, max: number): number => Math.min(max, Math.max(min, Math.floor(Number(value)) || min));
const scenarios = list(values.scenarios, Object.keys(SCENARIOS), "scenario").map((name) => SCENARIOS[name]!);
const options = {
  scenarios,
  systems: list<SystemKind>(values.systems, SYSTEM_KINDS, "system"),
  memberCounts: values.members.split(",").map((n) => bounded(n, 1, 16)),
  runs: bounded(values.runs, 1, 10),
  seconds: bounded(values.seconds, 2, 120),
  classes: bounded(values.classes, 2, 400),
  log: (line: string) => console.log(line),
};
console.log(`bench: ${scenarios.map((s) => s.name).join(", ")} on ${options.systems.join(", ")}, N = ${options.memberCounts.join(", ")}`);
const measurements = await runBench(options);
const rows = buildRows(measurements, scenarios);
const table = markdown(rows, scenarios, options);
mkdirSync(values.out, { recursive: true });
writeFileSync(`${values.out}/latest.md`, `${table}\n![CPU per 1000 messages against N](latest.svg)\n`);
writeFileSync(`${values.out}/latest.svg`, chartSvg(rows, scenarios));
writeFileSync(`${values.out}/latest.json`, `${JSON.stringify({ generatedAt: new Date().toISOString(), options: { ...options, log: undefined, scenarios: scenarios.map((s) => s.name) }, rows, measurements }, null, 2)}\n`);
console.log(`\n${table}`);
console.log(`written: ${values.out}latest.md, latest.json, latest.svg`);
process.exit(0);
