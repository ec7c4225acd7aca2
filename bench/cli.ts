/**
 * `npm run bench`: the scenarios against vanilla socket.io (classic and sharded Redis adapter) and
 * ringcast (its adapters with plain emits, and its durable message path), members as separate
 * processes, one redis-server, load generator processes; loopback only, bounded in time (about
 * an hour with the defaults, estimated, the durable systems' log prefill included). Writes bench/runs/<time>/latest.{md,json,svg}.
 *   npm run bench -- --scenarios unicast,class --members 1,2 --runs 3 --seconds 5
 *   npm run bench -- --scenarios idle,failover --connections 10000
 *   npm run bench -- --scenarios rest,rest-max --members 2 --systems vanilla,ringcast-hash-durable,ringcast-hash-durable-gateway
 *   npm run bench -- --scenarios unicast-max,class-max --members 2 --systems ringcast-hash-durable --redis single,cluster
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseCli } from "../server/cli/cli-args.ts";
import { runBench } from "./bench-run.ts";
import { chartSvg } from "./chart.ts";
import { DISRUPTIONS, runDisruptions } from "./disruption-run.ts";
import { runIdle } from "./idle-run.ts";
import { TOPOLOGIES, type Topology } from "./redis-backend.ts";
import { buildRows, disruptionMarkdown, idleMarkdown, markdown } from "./report.ts";
import { checkClusterTargets, clusterMarkdown } from "./report-cluster.ts";
import { checkTargets, targetsMarkdown } from "./targets.ts";
import { checkDurableTargets } from "./targets-durable.ts";
import { DEFAULT_SCENARIOS, SCENARIOS } from "./scenarios.ts";
import { SYSTEM_KINDS, type SystemKind } from "./systems/system.ts";

const { values } = parseCli({
  usage: "npm run bench -- [options]",
  summary:
    "Measures ringcast against vanilla socket.io + @socket.io/redis-adapter on 127.0.0.1, same clients, same run: CPU per 1000 messages, latency, throughput; idle memory; rebalance and failover. Writes latest.md, latest.json and latest.svg into a new folder bench/runs/<time>/ (the committed bench/results/ only with --out bench/results/).",
  options: {
    scenarios: { type: "string", default: DEFAULT_SCENARIOS.join(","), help: `comma-separated: ${[...Object.keys(SCENARIOS), "idle", ...DISRUPTIONS].join(", ")}` },
    systems: { type: "string", default: SYSTEM_KINDS.join(","), help: "comma-separated systems under test" },
    members: { type: "string", default: "1,2,4,8", help: "member counts N" },
    runs: { type: "string", default: "3", help: "runs per cell (medians are reported)" },
    seconds: { type: "string", default: "5", help: "seconds measured per run" },
    classes: { type: "string", default: "65", help: "classes of 30 students" },
    connections: { type: "string", default: "10000", help: "idle: clients on the one member; rebalance and failover: users on the cluster" },
    out: { type: "string", help: "folder for the results (default: bench/runs/<time>/)" },
    profile: { type: "boolean", help: "profile every member into <out>/profiles (summarize with npm run bench:profile)" },
    prefill: { type: "string", default: "on", help: "on: fill the durable systems' class logs and the unicast conversations' logs to their cap before measuring; off: start from empty logs" },
    "no-prefill": { type: "boolean", help: "the same as --prefill off" },
    "prefill-entries": { type: "string", default: "300000", help: "prefill: at most this many log entries in all" },
    "prefill-seconds": { type: "string", default: "60", help: "prefill: at most this long per system" },
    redis: {
      type: "string",
      default: "single",
      help: "comma-separated: single (one redis-server), cluster (a Redis Cluster of 3 primaries with a replica each; durable systems only); each system is measured on each, the runs alternating between them",
    },
    conversations: { type: "string", default: "3", help: "direct conversations per class the unicast scenarios send on (classmates in pairs, both ways; each filled by the prefill)" },
  },
});
const prefillOn = (value: string): boolean => {
  if (["on", "true", "yes", "1"].includes(value)) return true;
  if (["off", "false", "no", "0"].includes(value)) return false;
  throw new Error(`--prefill: on or off, not ${value}`);
};
const out = values.out ?? new URL(`./runs/${new Date().toISOString().replace(/[:.]/g, "-")}/`, import.meta.url).pathname;

function list<T extends string>(value: string, allowed: readonly T[], what: string): T[] {
  const items = value.split(",").map((s) => s.trim()) as T[];
  const unknown = items.filter((s) => !allowed.includes(s));
  if (unknown.length > 0) throw new Error(`unknown ${what}: ${unknown.join(", ")} (choose from ${allowed.join(", ")})`);
  return items;
}

const bounded = (value: string, min: number, max: number): number => Math.min(max, Math.max(min, Math.floor(Number(value)) || min));
const EXTRA = ["idle", ...DISRUPTIONS];
const selected = list(values.scenarios, [...Object.keys(SCENARIOS), ...EXTRA], "scenario");
const scenarios = selected.filter((name) => !EXTRA.includes(name)).map((name) => SCENARIOS[name]!);
const disruptions = DISRUPTIONS.filter((name) => selected.includes(name));
const options = {
  scenarios,
  systems: list<SystemKind>(values.systems, SYSTEM_KINDS, "system"),
  memberCounts: values.members.split(",").map((n) => bounded(n, 1, 16)),
  runs: bounded(values.runs, 1, 10),
  seconds: bounded(values.seconds, 2, 120),
  classes: bounded(values.classes, 2, 400),
  log: (line: string) => console.log(line),
  profileDir: values.profile ? `${out}/profiles` : undefined,
  prefill:
    prefillOn(values.prefill) && !values["no-prefill"]
      ? { maxEntries: bounded(values["prefill-entries"], 0, 5_000_000), maxMs: 1000 * bounded(values["prefill-seconds"], 1, 600) }
      : undefined,
  conversationsPerClass: bounded(values.conversations, 1, 30),
  redis: list<Topology>(values.redis, TOPOLOGIES, "Redis topology"),
};
const topologies = options.redis.length > 1 || options.redis[0] !== "single" ? ` (Redis: ${options.redis.join(", ")})` : "";
console.log(`bench: ${scenarios.map((s) => s.name).join(", ")} on ${options.systems.join(", ")}, N = ${options.memberCounts.join(", ")}${topologies}`);
const measurements = scenarios.length > 0 ? await runBench(options) : [];
const rows = buildRows(measurements, scenarios);
// The chart and the targets against vanilla are for one redis-server, where vanilla runs too.
const singleRows = rows.filter((r) => r.redis === "single");
const idleRows = selected.includes("idle") ? await runIdle({ connections: bounded(values.connections, 100, 20_000), runs: options.runs, log: options.log }) : [];
const disruptionRows = disruptions.length > 0 ? await runDisruptions({ users: bounded(values.connections, 100, 20_000), which: disruptions, profileDir: options.profileDir, log: options.log }) : [];
const table =
  markdown(rows, scenarios, options) +
  (idleRows.length > 0 ? idleMarkdown(idleRows) : "") +
  (disruptionRows.length > 0 ? disruptionMarkdown(disruptionRows) : "") +
  clusterMarkdown(rows, scenarios, measurements) +
  targetsMarkdown([...checkTargets(singleRows, idleRows, disruptionRows), ...checkDurableTargets(singleRows), ...checkClusterTargets(rows)]);
mkdirSync(out, { recursive: true });
writeFileSync(`${out}/latest.md`, `${table}\n![CPU per 1000 messages against N](latest.svg)\n`);
writeFileSync(`${out}/latest.svg`, chartSvg(singleRows, scenarios));
writeFileSync(`${out}/latest.json`, `${JSON.stringify({ generatedAt: new Date().toISOString(), options: { ...options, log: undefined, scenarios: scenarios.map((s) => s.name) }, rows, idleRows, disruptionRows, measurements }, null, 2)}\n`);
console.log(`\n${table}`);
console.log(`written: ${join(out, "latest.md")}, latest.json, latest.svg`);
process.exit(0);
