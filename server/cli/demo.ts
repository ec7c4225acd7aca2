/**
 * Quick start: `npm run demo [-- --mode hash]`. Uses the Redis at REDIS_URL (or the Redis Cluster
 * at REDIS_CLUSTER_NODES), or starts a local
 * redis-server (installing it with apt when it can) with append-only persistence in
 * .ringcast/redis/, then runs the demo school: broadcast mode on the sticky launcher, or hash mode
 * as the real topology (a gateway and three members). A supervisor restarts a process that dies
 * and leaves the others running, so killing a member shows the failover.
 */
import { randomBytes } from "node:crypto";
import { mkdirSync, rmSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Redis } from "ioredis";
import { appendFsyncFromEnv, type LocalRedis, startLocalRedis } from "./local-redis.ts";
import { parseCli } from "./cli-args.ts";
import { type LocalCluster, startLocalCluster } from "./local-cluster.ts";
import { type LocalSentinel, startLocalSentinel } from "./local-sentinel.ts";
import { Supervisor } from "./supervisor.ts";

const { values } = parseCli({
  usage: "npm run demo [-- --mode hash] [--redis sentinel|cluster]",
  summary:
    "Starts the demo school on PORT (default 3000): the Redis at REDIS_URL or a local redis-server (append-only persistence in .ringcast/redis/), then broadcast mode on two sticky workers, or hash mode as a gateway and three members (3001-3003). A process that dies is restarted; the others keep running. With --redis sentinel, Redis is a primary, two replicas and three sentinels instead (fresh data in .ringcast/sentinel/ each run): kill the primary to watch a failover. With --redis cluster, a Redis Cluster of three primaries with a replica each (fresh data in .ringcast/cluster/ each run). Ctrl-C stops everything.",
  options: {
    mode: { type: "string", default: "broadcast", help: "broadcast or hash" },
    redis: {
      type: "string",
      default: "single",
      help: "single, sentinel (a primary, 2 replicas, 3 sentinels on ports 6390-6392 and 26390-26392) or cluster (3 primaries and 3 replicas on ports 6400-6405)",
    },
  },
});
if (values.mode !== "broadcast" && values.mode !== "hash") {
  process.stderr.write(`--mode must be broadcast or hash, not '${values.mode}'\n`);
  process.exit(2);
}

if (values.redis !== "single" && values.redis !== "sentinel" && values.redis !== "cluster") {
  process.stderr.write(`--redis must be single, sentinel or cluster, not '${values.redis}'\n`);
  process.exit(2);
}

const DEFAULT_REDIS_PORT = 6379;
/** Git-ignored; the same folder the Procfiles' Redis uses. */
const DATA_DIR = fileURLToPath(new URL("../../.ringcast/redis/", import.meta.url));

async function reachable(url: string): Promise<boolean> {
  const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  probe.on("error", () => undefined);
  try {
    await probe.connect();
    return (await probe.ping()) === "PONG";
  } catch {
    return false;
  } finally {
    probe.disconnect();
  }
}

async function redisForDemo(): Promise<{ url: string; local?: LocalRedis }> {
  const url = process.env.REDIS_URL ?? `redis://127.0.0.1:${DEFAULT_REDIS_PORT}`;
  if (await reachable(url)) return { url };
  if (process.env.REDIS_URL) throw new Error(`REDIS_URL=${url} is not reachable`);
  const appendFsync = appendFsyncFromEnv();
  mkdirSync(DATA_DIR, { recursive: true });
  const local = await startLocalRedis({ port: DEFAULT_REDIS_PORT, dir: DATA_DIR, appendFsync });
  console.log(
    `started redis-server on ${local.url} with append-only persistence in ${DATA_DIR} (appendfsync ${appendFsync}; ` +
      "RINGCAST_REDIS_APPENDFSYNC=always loses nothing acknowledged in a crash)",
  );
  return { url: local.url, local };
}

/** A fresh Sentinel topology on fixed ports, for watching a failover: its data lasts one run. */
async function sentinelForDemo(): Promise<{ env: Record<string, string>; local: LocalSentinel }> {
  rmSync(SENTINEL_DIR, { recursive: true, force: true });
  const local = await startLocalSentinel({ dir: SENTINEL_DIR, ports: SENTINEL_PORTS, appendFsync: appendFsyncFromEnv() });
  const [primary, ...replicas] = local.nodes;
  console.log(
    `started Redis Sentinel "${local.name}": primary :${primary!.port} (pid ${primary!.pid}), replicas ${replicas.map((r) => `:${r.port}`).join(", ")}, ` +
      `sentinels ${local.sentinelPorts.map((p) => `:${p}`).join(", ")}. Watch a failover: kill -9 ${primary!.pid}; ` +
      `redis-cli -p ${local.sentinelPorts[0]} sentinel get-master-addr-by-name ${local.name} names the new primary.`,
  );
  // An empty REDIS_URL counts as unset: one from the shell must not contradict the sentinels.
  return { env: { ...local.env, REDIS_URL: "" }, local };
}

const SENTINEL_DIR = fileURLToPath(new URL("../../.ringcast/sentinel/", import.meta.url));
const SENTINEL_PORTS = { nodes: [6390, 6391, 6392], sentinels: [26390, 26391, 26392] };
const CLUSTER_DIR = fileURLToPath(new URL("../../.ringcast/cluster/", import.meta.url));
const CLUSTER_PORTS = [6400, 6401, 6402, 6403, 6404, 6405];

/** A fresh Redis Cluster on fixed ports: its data lasts one run. */
async function clusterForDemo(): Promise<{ env: Record<string, string>; local: LocalCluster }> {
  rmSync(CLUSTER_DIR, { recursive: true, force: true });
  const local = await startLocalCluster({ dir: CLUSTER_DIR, ports: CLUSTER_PORTS, appendFsync: appendFsyncFromEnv() });
  const primaries = await local.primaryPorts();
  console.log(
    `started a Redis Cluster: primaries ${primaries.map((p) => `:${p}`).join(", ")}, replicas on the other ports of ${CLUSTER_PORTS[0]}-${CLUSTER_PORTS.at(-1)}. ` +
      `Watch a failover: kill -9 a primary's pid; redis-cli -p ${CLUSTER_PORTS[0]} cluster nodes shows its replica promoted.`,
  );
  return { env: { ...local.env, REDIS_URL: "" }, local };
}

async function redisForRun(): Promise<{ env: Record<string, string>; local?: LocalRedis | LocalSentinel | LocalCluster }> {
  if (values.redis === "sentinel") return sentinelForDemo();
  if (values.redis === "cluster") return clusterForDemo();
  // A Redis Cluster of one's own, as members and gateways read it.
  if (process.env.REDIS_CLUSTER_NODES) return { env: { REDIS_CLUSTER_NODES: process.env.REDIS_CLUSTER_NODES, REDIS_URL: "" } };
  const { url, local } = await redisForDemo();
  return { env: { REDIS_URL: url }, local };
}

const { env: redisEnv, local } = await redisForRun();
const port = Number(process.env.PORT ?? "3000");
const here = (file: string): string => fileURLToPath(new URL(file, import.meta.url));
const shared = {
  ...redisEnv,
  RINGCAST_MODE: values.mode,
  // A fresh secret per demo run: fine for a demo, where tokens need not outlive the process.
  RINGCAST_TOKEN_SECRET: process.env.RINGCAST_TOKEN_SECRET ?? randomBytes(32).toString("hex"),
};
const supervisor = new Supervisor((line) => console.log(`demo: ${line}`));
if (values.mode === "hash") {
  for (const n of [1, 2, 3]) {
    supervisor.start({ name: `member-${n}`, entry: here("./member.ts"), env: { ...shared, PORT: String(port + n), NODE_ID: `member-${n}`, RINGCAST_SEED_DEMO: "true" } });
  }
  supervisor.start({ name: "gateway", entry: here("./gateway.ts"), env: { ...shared, PORT: String(port) } });
} else {
  supervisor.start({ name: "launcher", entry: here("./launcher.ts"), env: { ...shared, PORT: String(port), RINGCAST_SEED_DEMO: "true" } });
}
const password = process.env.RINGCAST_DEMO_PASSWORD ?? "ringcast-demo";
console.log(
  `ringcast demo (${values.mode} mode): open http://127.0.0.1:${port}/ and sign in as t-ada (teacher) or s001 (student), password ${password}.` +
    (values.mode === "hash"
      ? ` Members listen on ${port + 1}-${port + 3}: kill one from another terminal (kill -9 <its pid, printed above>) and watch a student's tab reconnect to another member; the demo restarts the one you killed.`
      : "") +
    " Ctrl-C stops everything.",
);
const stop = async (): Promise<void> => {
  await supervisor.stop();
  await local?.stop();
  process.exit(0);
};
for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => void stop());
