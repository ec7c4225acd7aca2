import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Redis } from "ioredis";
import type { RedisTarget } from "../redis/redis-target.ts";
import { type AppendFsync, freePort, killChild, type LocalRedis, launch, startLocalRedis } from "./local-redis.ts";
import { ensureCommand } from "./system-command.ts";

/**
 * A Redis Sentinel topology on loopback, for the demo and the tests: a primary, its replicas and
 * a quorum of sentinels, all child processes. Not for production: there, run each on its own host.
 */
export interface LocalSentinel {
  readonly name: string;
  /** The sentinels' ports. */
  readonly sentinelPorts: number[];
  /** The data nodes, primary first as started (a failover changes which is primary). */
  readonly nodes: LocalRedis[];
  /** What members, gateways and CLIs connect with. */
  readonly target: Extract<RedisTarget, { kind: "sentinel" }>;
  /** The same as environment variables (REDIS_SENTINELS, REDIS_SENTINEL_NAME). */
  readonly env: Record<string, string>;
  /** The primary's port, as the sentinels name it now. */
  primaryPort(): Promise<number>;
  /** A planned failover (SENTINEL FAILOVER): the primary stays up and is demoted to a replica. */
  switchover(): Promise<void>;
  /** Waits until the sentinels name a primary other than `port` (a failover finished). */
  waitForFailover(port: number, timeoutMs?: number): Promise<number>;
  stop(): Promise<void>;
}

export interface LocalSentinelOptions {
  /** Working directory: each node's dump and append-only files, the sentinels' config files. */
  dir: string;
  name?: string;
  /** Default 2: after a failover one is left, so sends that wait for a replica go on at once. */
  replicas?: number;
  sentinels?: number;
  /** Fixed ports (else free ones): the data nodes' (primary first) and the sentinels'. */
  ports?: { nodes: number[]; sentinels: number[] };
  /** How long the primary must be unreachable before the sentinels agree it is down. Default 1000 ms. */
  downAfterMs?: number;
  appendFsync?: AppendFsync;
}

export async function startLocalSentinel(options: LocalSentinelOptions): Promise<LocalSentinel> {
  const binary = ensureCommand("redis-sentinel", "redis-sentinel", "macOS: brew install redis (it includes redis-sentinel)");
  const name = options.name ?? "ringcast";
  const node = (i: number, replicaOf?: number) =>
    startLocalRedis({ port: options.ports?.nodes[i], dir: ensureDir(join(options.dir, `node-${i}`)), appendFsync: options.appendFsync, replicaOf });
  const primary = await node(0);
  const replicaCount = options.ports ? options.ports.nodes.length - 1 : (options.replicas ?? 2);
  const replicas = await Promise.all(Array.from({ length: replicaCount }, (_, i) => node(i + 1, primary.port)));
  const nodes = [primary, ...replicas];
  const count = options.ports?.sentinels.length ?? options.sentinels ?? 3;
  const sentinelPorts = options.ports?.sentinels ?? (await Promise.all(Array.from({ length: count }, () => freePort())));
  const quorum = Math.floor(count / 2) + 1;
  const children = await Promise.all(
    sentinelPorts.map((port, i) => {
      const conf = join(ensureDir(join(options.dir, `sentinel-${i}`)), "sentinel.conf");
      writeFileSync(conf, sentinelConf(port, name, primary.port, quorum, options.downAfterMs ?? 1000));
      return launch(binary, [conf], port, "+monitor master");
    }),
  );
  const ask = async <T>(query: (sentinel: Redis) => Promise<T>): Promise<T> => {
    for (const port of sentinelPorts) {
      const sentinel = new Redis({ port, host: "127.0.0.1", lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
      try {
        await sentinel.connect();
      } catch {
        sentinel.disconnect();
        continue; // that sentinel is down: ask the next
      }
      try {
        return await query(sentinel);
      } finally {
        sentinel.disconnect();
      }
    }
    throw new Error("no sentinel answered");
  };
  const primaryPort = async (): Promise<number> => {
    const address = (await ask((s) => s.call("SENTINEL", "GET-MASTER-ADDR-BY-NAME", name))) as [string, string];
    return Number(address[1]);
  };
  await waitForReplicas(primary.port, replicas.length);
  const env = { REDIS_SENTINELS: sentinelPorts.map((p) => `127.0.0.1:${p}`).join(","), REDIS_SENTINEL_NAME: name };
  return {
    name,
    sentinelPorts,
    nodes,
    target: { kind: "sentinel", sentinels: sentinelPorts.map((port) => ({ host: "127.0.0.1", port })), name, tls: false },
    env,
    primaryPort,
    async switchover() {
      await ask((s) => s.call("SENTINEL", "FAILOVER", name));
    },
    async waitForFailover(port, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        const now = await primaryPort().catch(() => port);
        if (now !== port) return now;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      throw new Error(`no failover away from port ${port} within ${timeoutMs} ms`);
    },
    async stop() {
      await Promise.all(children.map((child) => killChild(child)));
      await Promise.all(nodes.map((n) => n.stop()));
    },
  };
}

function sentinelConf(port: number, name: string, primaryPort: number, quorum: number, downAfterMs: number): string {
  return [
    `port ${port}`,
    "bind 127.0.0.1",
    `sentinel monitor ${name} 127.0.0.1 ${primaryPort} ${quorum}`,
    `sentinel down-after-milliseconds ${name} ${downAfterMs}`,
    `sentinel failover-timeout ${name} ${Math.max(3 * downAfterMs, 3000)}`,
    `sentinel parallel-syncs ${name} 1`,
    "",
  ].join("\n");
}

/** A replica that has not finished its first sync would make the first failover lose data. */
async function waitForReplicas(primaryPort: number, count: number): Promise<void> {
  const redis = new Redis({ port: primaryPort, host: "127.0.0.1" });
  try {
    for (let i = 0; i < 100; i++) {
      const info = await redis.info("replication");
      const online = info.split("\n").filter((line) => /^slave\d+:.*state=online/.test(line)).length;
      if (online >= count) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`only some of ${count} replicas came online`);
  } finally {
    redis.disconnect();
  }
}

function ensureDir(path: string): string {
  mkdirSync(path, { recursive: true });
  return path;
}
