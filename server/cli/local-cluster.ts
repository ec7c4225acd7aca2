import { type ExecFileException, execFile } from "node:child_process";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { Redis } from "ioredis";
import { type AppendFsync, freePort, type LocalRedis, startLocalRedis } from "./local-redis.ts";
import { ensureCommand } from "./system-command.ts";

/**
 * A Redis Cluster on loopback, for the tests and the demo: primaries and their replicas, all
 * redis-server child processes, joined by `redis-cli --cluster create`. Not for production:
 * there, run each node on its own host.
 */
export interface LocalCluster {
  /** Every data node, primaries first as created (a failover changes roles). */
  readonly nodes: LocalRedis[];
  /** The seed nodes members connect with, "127.0.0.1:port" each. */
  readonly seeds: string[];
  /** As environment variables: { REDIS_CLUSTER_NODES: "127.0.0.1:p1,127.0.0.1:p2,..." }. */
  readonly env: Record<string, string>;
  /** Ports of the nodes that are primaries now (CLUSTER NODES asked of a live node), in `nodes` order. */
  primaryPorts(): Promise<number[]>;
  /** The slot of a key (CLUSTER KEYSLOT) and the port of the primary that serves it now. */
  slotOf(key: string): Promise<{ slot: number; primary: number }>;
  /**
   * Moves `slots` slots from one primary to another (`redis-cli --cluster reshard`), once the
   * cluster is settled, and resolves once every node agrees again and `redis-cli --cluster check`
   * is clean. Default: from the first primary to the second.
   */
  reshard(slots: number, from?: number, to?: number): Promise<void>;
  /**
   * kill -9 of the primary on `port` (once the cluster is settled); resolves with the port of its
   * replica and the time of the kill (epoch ms) once that replica is promoted and every live node says cluster_state:ok with every
   * slot covered. The killed node stays in `nodes` (pid undefined) and `seeds`; restart() rejoins
   * it as a replica. `timeoutMs` (default 30 s) bounds the whole call.
   */
  killPrimary(port: number, timeoutMs?: number): Promise<{ promoted: number; killedAt: number }>;
  stop(): Promise<void>;
}

export interface LocalClusterOptions {
  /** Working directory: one sub directory per node (nodes.conf, append-only files). */
  dir: string;
  /** Default 3, the fewest `redis-cli --cluster create` accepts. */
  primaries?: number;
  /** Default 1, so a primary's kill promotes a replica. */
  replicasPerPrimary?: number;
  /** Fixed ports (else free ones), primaries first: primaries × (1 + replicasPerPrimary) of them. */
  ports?: number[];
  /** cluster-node-timeout. Default 1000 ms, so a failover takes a couple of seconds. */
  nodeTimeoutMs?: number;
  appendFsync?: AppendFsync;
}

/** One line of CLUSTER NODES. */
interface NodeEntry {
  id: string;
  port: number;
  flags: string[];
  /** The id of the primary it replicates, for a replica. */
  primaryId: string | undefined;
  /** Slots and ranges as listed ("0-5460", "[5461->-id]" while migrating). */
  slots: string[];
}

const ALL_SLOTS = 16384;
const SETTLE_TIMEOUT_MS = 30_000;
/** Covers moving many keys; the slots of a test's few keys move in a second or two. */
const RESHARD_TIMEOUT_MS = 120_000;

export async function startLocalCluster(options: LocalClusterOptions): Promise<LocalCluster> {
  const cli = ensureCommand("redis-cli", "redis-tools", "macOS: brew install redis (it includes redis-cli)");
  const primaries = options.primaries ?? 3;
  const replicas = options.replicasPerPrimary ?? 1;
  if (primaries < 3) throw new Error(`a Redis Cluster needs at least 3 primaries (got ${primaries})`);
  const count = primaries * (1 + replicas);
  if (options.ports && options.ports.length !== count) throw new Error(`ports: ${count} needed for ${primaries} primaries × ${1 + replicas} nodes (got ${options.ports.length})`);
  const ports = options.ports ?? (await distinctFreePorts(count, []));
  // Free ports may be above 55535, where Redis's default bus port (port + 10000) does not exist.
  const busPorts = await distinctFreePorts(count, ports);
  const nodeTimeoutMs = options.nodeTimeoutMs ?? 1000;
  const started = await Promise.allSettled(
    ports.map((port, i) =>
      startLocalRedis({
        port,
        dir: ensureDir(join(options.dir, `node-${i}`)),
        appendFsync: options.appendFsync,
        extraArgs: clusterArgs(busPorts[i]!, nodeTimeoutMs),
      }),
    ),
  );
  const nodes = started.flatMap((result) => (result.status === "fulfilled" ? [result.value] : []));
  const seeds = ports.map((port) => `127.0.0.1:${port}`);
  try {
    const failed = started.find((result) => result.status === "rejected");
    if (failed) throw failed.reason;
    await run(cli, ["--cluster", "create", ...seeds, "--cluster-replicas", String(replicas), "--cluster-yes"], SETTLE_TIMEOUT_MS);
    await waitUntil("the new cluster settling", SETTLE_TIMEOUT_MS, () => clusterProblem(nodes, primaries));
  } catch (error) {
    await Promise.all(nodes.map((node) => node.kill()));
    throw error;
  }
  const view = (): Promise<NodeEntry[]> => askLive(nodes, async (redis) => parseClusterNodes((await redis.call("CLUSTER", "NODES")) as string));
  const primaryPorts = async (): Promise<number[]> => {
    const entries = await view();
    const up = new Set(entries.filter(isPrimary).map((entry) => entry.port));
    return nodes.filter((node) => node.pid !== undefined && up.has(node.port)).map((node) => node.port);
  };
  return {
    nodes,
    seeds,
    env: { REDIS_CLUSTER_NODES: seeds.join(",") },
    primaryPorts,
    async slotOf(key) {
      const slot = Number(await askLive(nodes, (redis) => redis.call("CLUSTER", "KEYSLOT", key)));
      const owner = (await view()).find((entry) => isPrimary(entry) && entry.slots.some((range) => inRange(range, slot)));
      if (!owner) throw new Error(`no primary serves slot ${slot}`);
      return { slot, primary: owner.port };
    },
    async reshard(slots, from, to) {
      // A node restarted just now must have rejoined first: redis-cli refuses a cluster in flux.
      await waitUntil("the cluster settling before the reshard", SETTLE_TIMEOUT_MS, () => clusterProblem(nodes));
      const primaryNow = await primaryPorts();
      const [fromPort, toPort] = [from ?? primaryNow[0], to ?? primaryNow[1]];
      const entries = await view();
      const args = ["--cluster", "reshard", `127.0.0.1:${fromPort}`, "--cluster-from", primaryId(entries, fromPort), "--cluster-to", primaryId(entries, toPort)];
      await run(cli, [...args, "--cluster-slots", String(slots), "--cluster-yes"], RESHARD_TIMEOUT_MS);
      await waitUntil(`the cluster settling after moving ${slots} slots from ${fromPort} to ${toPort}`, SETTLE_TIMEOUT_MS, async () => {
        return (await clusterProblem(nodes)) ?? (await checkProblem(cli, nodes));
      });
    },
    async killPrimary(port, timeoutMs = SETTLE_TIMEOUT_MS) {
      const deadline = Date.now() + timeoutMs;
      const left = () => Math.max(deadline - Date.now(), 1);
      const node = nodes.find((n) => n.port === port);
      if (!node) throw new Error(`port ${port} is not a node of this cluster`);
      // The replica to promote must be in sync (e.g. after a restart), or it may refuse or lose writes.
      await waitUntil(`the cluster settling before killing ${port}`, left(), () => clusterProblem(nodes));
      const entries = await view();
      const self = entries.find((entry) => entry.port === port);
      if (!self || !isPrimary(self)) throw new Error(`port ${port} is not a primary of this cluster`);
      const replicaPorts = entries.filter((entry) => entry.primaryId === self.id).map((entry) => entry.port);
      if (replicaPorts.length === 0) throw new Error(`the primary on port ${port} has no replica to promote`);
      await node.kill();
      const killedAt = Date.now();
      let promoted: number | undefined;
      await waitUntil(`a replica of ${port} (${replicaPorts.join(", ")}) becoming primary`, left(), async () => {
        promoted = (await view()).find((entry) => replicaPorts.includes(entry.port) && isPrimary(entry) && entry.slots.length > 0)?.port;
        return promoted === undefined ? "no replica promoted yet" : undefined;
      });
      await waitUntil(`the cluster settling after ${port}'s failover`, left(), () => clusterProblem(nodes));
      return { promoted: promoted!, killedAt };
    },
    async stop() {
      await Promise.all(nodes.map((node) => node.stop()));
    },
  };
}

/** Whether a CLUSTER NODES slot entry ("5", "0-5460"; not "[5461->-id]") covers `slot`. */
function inRange(range: string, slot: number): boolean {
  const match = /^(\d+)(?:-(\d+))?$/.exec(range);
  if (!match) return false;
  const first = Number(match[1]);
  return slot >= first && slot <= Number(match[2] ?? first);
}

/**
 * Cluster mode; a whole-cluster outage when a slot has no primary (no stale reads meanwhile). A
 * replica's full sync starts at once instead of after the 5 s a primary waits for more replicas.
 */
function clusterArgs(busPort: number, nodeTimeoutMs: number): string[] {
  return [
    ...["--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf", "--cluster-port", String(busPort)],
    ...["--cluster-node-timeout", String(nodeTimeoutMs), "--cluster-require-full-coverage", "yes", "--cluster-allow-reads-when-down", "no"],
    ...["--repl-diskless-sync-delay", "0"],
  ];
}

/**
 * Why the cluster is not settled yet, or undefined when it is: every live node says
 * cluster_state:ok with every slot ok, sees every live node as up and no other way than the rest
 * (same primaries, replicas and slots), and each replica's link to its primary is up.
 */
async function clusterProblem(nodes: LocalRedis[], primaries?: number): Promise<string | undefined> {
  const live = nodes.filter((node) => node.pid !== undefined);
  const livePorts = new Set(live.map((node) => node.port));
  let agreed: string | undefined;
  for (const node of live) {
    const [info, text, role] = await query(node.port, (redis) => Promise.all([redis.call("CLUSTER", "INFO"), redis.call("CLUSTER", "NODES"), redis.call("ROLE")]));
    const state = infoField(info as string, "cluster_state");
    if (state !== "ok") return `${node.port} says cluster_state:${state}`;
    const slotsOk = infoField(info as string, "cluster_slots_ok");
    if (slotsOk !== String(ALL_SLOTS)) return `${node.port} says cluster_slots_ok:${slotsOk}`;
    const entries = parseClusterNodes(text as string).filter((entry) => livePorts.has(entry.port));
    const unsure = entries.find((entry) => entry.flags.some((flag) => ["fail", "fail?", "handshake", "noaddr"].includes(flag)));
    if (entries.length !== live.length || unsure) return `${node.port} does not see all ${live.length} live nodes as up`;
    const signature = describe(entries);
    if (agreed !== undefined && signature !== agreed) return `nodes disagree: "${agreed}" vs ${node.port}'s "${signature}"`;
    agreed = signature;
    const [kind, , , link] = role as [string, string, number, string];
    if (kind === "slave" && link !== "connected") return `replica ${node.port}'s link to its primary is ${link}`;
  }
  const primaryCount = agreed?.split("; ").filter((line) => line.includes(" master ")).length;
  if (primaries !== undefined && primaryCount !== primaries) return `${primaryCount} primaries, not ${primaries}`;
  return undefined;
}

/** `redis-cli --cluster check`'s complaint, or undefined when it finds nothing wrong. */
async function checkProblem(cli: string, nodes: LocalRedis[]): Promise<string | undefined> {
  const port = nodes.find((node) => node.pid !== undefined)?.port;
  const output = await run(cli, ["--cluster", "check", `127.0.0.1:${port}`], SETTLE_TIMEOUT_MS).catch((error: Error) => error.message);
  const complaint = output.split("\n").find((line) => line.includes("[ERR]") || line.includes("[WARNING]"));
  if (complaint) return `redis-cli --cluster check: ${complaint.trim()}`;
  return output.includes(`[OK] All ${ALL_SLOTS} slots covered`) ? undefined : "redis-cli --cluster check did not report every slot covered";
}

/** The view as one comparable string: "port role primary-port slots" per node, sorted. */
function describe(entries: NodeEntry[]): string {
  const portOf = new Map(entries.map((entry) => [entry.id, entry.port]));
  const role = (entry: NodeEntry) => (entry.flags.includes("master") ? "master" : `replica-of ${portOf.get(entry.primaryId ?? "")}`);
  return entries
    .map((entry) => `${entry.port} ${role(entry)} ${entry.slots.join(",")}`)
    .sort()
    .join("; ");
}

/** CLUSTER NODES: `<id> <ip:port@cport[,hostname]> <flags> <primary> <ping> <pong> <epoch> <link> <slot>...` */
function parseClusterNodes(text: string): NodeEntry[] {
  return text
    .trim()
    .split("\n")
    .map((line) => {
      const [id, address, flags, primary, , , , , ...slots] = line.trim().split(" ");
      const port = Number(address!.split("@")[0]!.split(":").pop());
      return { id: id!, port, flags: flags!.split(","), primaryId: primary === "-" ? undefined : primary, slots };
    });
}

function isPrimary(entry: NodeEntry): boolean {
  return entry.flags.includes("master") && !entry.flags.includes("fail");
}

function primaryId(entries: NodeEntry[], port: number | undefined): string {
  const entry = entries.find((e) => e.port === port && isPrimary(e));
  if (!entry) throw new Error(`port ${port} is not a primary of this cluster`);
  return entry.id;
}

function infoField(info: string, name: string): string | undefined {
  return info.match(new RegExp(`^${name}:(\\S*)`, "m"))?.[1];
}

/** Asks the first live node that answers: any one knows the whole cluster's layout. */
async function askLive<T>(nodes: LocalRedis[], ask: (redis: Redis) => Promise<T>): Promise<T> {
  let last: unknown = new Error("no node is running");
  for (const node of nodes.filter((n) => n.pid !== undefined)) {
    try {
      return await query(node.port, ask);
    } catch (error) {
      last = error; // that node is down or busy: ask the next
    }
  }
  throw last;
}

/** One short-lived connection with bounded waits, so a hung node cannot stall a poll. */
async function query<T>(port: number, ask: (redis: Redis) => Promise<T>): Promise<T> {
  const redis = new Redis({ port, host: "127.0.0.1", lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 1000, commandTimeout: 2000 });
  try {
    await redis.connect();
    return await ask(redis);
  } finally {
    redis.disconnect();
  }
}

/** Polls `problem` every 100 ms until it finds none; throws with the last one at the deadline. */
async function waitUntil(what: string, timeoutMs: number, problem: () => Promise<string | undefined>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = await problem().catch((error: Error) => `error: ${error.message}`);
    if (found === undefined) return;
    if (Date.now() >= deadline) throw new Error(`${what} did not happen within ${timeoutMs} ms (last: ${found})`);
    await sleep(100);
  }
}

/** Runs redis-cli to its end; rejects on a non-zero exit or the timeout, with what it printed. */
function run(cli: string, args: string[], timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cli, args, { timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 }, (error: ExecFileException | null, stdout, stderr) => {
      if (!error) return resolve(stdout);
      const why = error.killed ? `killed after ${timeoutMs} ms` : `exit ${error.code}`;
      reject(new Error(`redis-cli ${args.slice(0, 2).join(" ")} failed (${why}): ${`${stderr}\n${stdout}`.trim().slice(-1500)}`));
    });
  });
}

/** `count` free ports, none in `taken` and none twice (the OS may hand one out again). */
async function distinctFreePorts(count: number, taken: number[]): Promise<number[]> {
  const ports: number[] = [];
  while (ports.length < count) {
    const port = await freePort();
    if (!taken.includes(port) && !ports.includes(port)) ports.push(port);
  }
  return ports;
}

function ensureDir(path: string): string {
  mkdirSync(path, { recursive: true });
  return path;
}
