/**
 * The full chaos run, a documented command (bounded in time, loopback only):
 *   npm run chaos -- --mode hash --seconds 120 --kills 5 --joins 2 --removes 1 --redis-restarts 1
 *   npm run chaos -- --mode broadcast --rolling        (a rolling restart of every member)
 *   npm run chaos -- --redis sentinel --failovers 2 --redis-restarts 0   (kill -9 of the primary)
 *   npm run chaos -- --redis cluster --reshards 2 --shard-failovers 1 --redis-restarts 0
 * Prints the events and the counts; exits 1 if anything acknowledged was lost, duplicated or
 * delivered out of order, or if a Redis Cluster error (CROSSSLOT, MOVED, ASK, ...) reached a user
 * or a log above debug.
 */
import { parseCli } from "../../server/cli/cli-args.ts";
import { runChaos, shuffledPlan } from "./chaos-run.ts";

const { values } = parseCli({
  usage: "npm run chaos -- [options]",
  summary:
    "Starts Redis, a gateway, three members and stock clients on 127.0.0.1, sends a steady stream of direct and class messages while it kills, adds and removes members and restarts Redis, then checks every acknowledged message arrived exactly once, in order (exit 1 otherwise).",
  options: {
    mode: { type: "string", default: "hash", help: "hash or broadcast" },
    seconds: { type: "string", default: "120", help: "how long the traffic runs (5-900)" },
    kills: { type: "string", default: "5", help: "members killed with -9 (each restarted)" },
    joins: { type: "string", default: "2", help: "members added" },
    removes: { type: "string", default: "1", help: "members stopped with SIGTERM (removed)" },
    "redis-restarts": { type: "string", default: "1", help: "times Redis is stopped and started" },
    redis: { type: "string", default: "single", help: "single, sentinel (a primary, a replica, 3 sentinels) or cluster (3 primaries, a replica each)" },
    failovers: { type: "string", default: "0", help: "with --redis sentinel: times the primary is killed with -9" },
    switchovers: { type: "string", default: "0", help: "with --redis sentinel: planned failovers (SENTINEL FAILOVER)" },
    reshards: { type: "string", default: "0", help: "with --redis cluster: reshards of 300 slots, the run's own slot among them" },
    "shard-failovers": { type: "string", default: "0", help: "with --redis cluster: kill -9 of the primary of the run's slot" },
    "redis-down-ms": { type: "string", default: "3000", help: "how long Redis stays down each time" },
    rolling: { type: "boolean", help: "a rolling restart of every member instead of the plan above" },
    classes: { type: "string", default: "5", help: "classes of 30 students" },
    rate: { type: "string", default: "20", help: "messages sent per second" },
  },
});
const count = (value: string, max: number): number => Math.max(0, Math.min(max, Math.floor(Number(value)) || 0));
const mode = values.mode === "broadcast" ? "broadcast" : "hash";
const seconds = Math.max(5, count(values.seconds, 900));
const plan = values.rolling
  ? (["rolling"] as const).slice()
  : shuffledPlan({
      kill: count(values.kills, 50),
      join: count(values.joins, 10),
      remove: count(values.removes, 10),
      redis: count(values["redis-restarts"], 5),
      failover: count(values.failovers, 5),
      switchover: count(values.switchovers, 5),
      reshard: count(values.reshards, 10),
      "shard-failover": count(values["shard-failovers"], 5),
    });
console.log(`chaos: ${mode} mode, ${seconds} s, plan: ${plan.join(", ")}`);
const report = await runChaos({
  mode,
  seconds,
  plan,
  redisDownMs: count(values["redis-down-ms"], 60_000),
  classes: Math.max(1, count(values.classes, 20)),
  rate: Math.max(1, count(values.rate, 200)),
  redis: values.redis === "sentinel" || values.redis === "cluster" ? values.redis : "single",
  log: (line) => console.log(line),
});
console.log(JSON.stringify(report, null, 2));
const delivered = report.lost === 0 && report.duplicates === 0 && report.outOfOrder === 0;
const quiet = report.clusterErrors.refusals === 0 && report.clusterErrors.logLines === 0;
if (delivered) console.log("chaos: every acknowledged message delivered exactly once, in order");
if (!quiet) console.log("chaos: Redis Cluster errors reached a user or a log (see clusterErrors)");
const clean = delivered && quiet;
if (!clean) console.log("chaos: FAILED");
process.exit(clean ? 0 : 1);
