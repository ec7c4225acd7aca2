import { Cluster, Redis, type RedisOptions } from "ioredis";
import type { Logger } from "../log.ts";
import { clusterConnectOptions, type RedisTarget, redisConnectOptions, singleRedis } from "./redis-target.ts";

/** A connection to the shared Redis: one server (or Sentinel's primary), or a Redis Cluster. */
export type RedisClient = Redis | Cluster;

/** True for a Redis Cluster client: it publishes and subscribes sharded (SPUBLISH, SSUBSCRIBE). */
export function isCluster(client: RedisClient): client is Cluster {
  return client instanceof Cluster;
}

/** What a client is for; it decides how the client behaves while Redis is away. */
export type RedisRole = "store" | "registry" | "pub" | "sub" | "watch";

/**
 * Builds an ioredis client that never crashes the process: errors are logged (once per outage)
 * and ioredis reconnects by itself.
 * - store: commands fail at once while Redis is away (enableOfflineQueue false), so callers can
 *   answer 503 instead of hanging.
 * - pub/sub/watch: commands wait for the reconnect (the adapter cannot handle a rejected
 *   publish), and subscribers (sub, watch) re-subscribe by themselves.
 */
export function createRedisClient(target: RedisTarget | string, role: RedisRole, log: Logger, owner?: string): RedisClient {
  const base: RedisOptions = {
    // Named per owner so a router can tell from CLIENT LIST whether a member is still connected.
    connectionName: owner ? `${connectionNamePrefix(role)}${owner}` : `ringcast-${role}`,
    lazyConnect: true,
    enableOfflineQueue: role !== "store" && role !== "registry",
    maxRetriesPerRequest: role === "store" || role === "registry" ? 1 : null,
    retryStrategy: (attempt) => Math.min(100 * attempt, 2000),
    // Commands issued in the same tick go out in one write: fewer round trips and system calls
    // under load, for Node and for Redis.
    enableAutoPipelining: role === "store" || role === "pub",
    // A command in flight when the connection dropped may or may not have run: the store fails it
    // (503, the sender retries knowingly) rather than run it twice or, after a failover, vouch
    // for it with a WAIT on a new primary.
    autoResendUnfulfilledCommands: role !== "store" && role !== "registry",
    // An old primary turned replica answers writes with READONLY: reconnect, which asks the
    // sentinels for the new primary (1: fail the command, 2: resend it there).
    reconnectOnError: (err) => (err.message.startsWith("READONLY") ? (role === "store" || role === "registry" ? 1 : 2) : false),
  };
  const resolved = typeof target === "string" ? singleRedis(target) : target;
  const client = resolved.kind === "cluster" ? createCluster(resolved, role, base) : createSingle(resolved, base);
  watchHealth(client, role, log);
  return client;
}

function createSingle(target: Exclude<RedisTarget, { kind: "cluster" }>, base: RedisOptions): Redis {
  const { url, options } = redisConnectOptions(target, base);
  return url === undefined ? new Redis(options) : new Redis(url, options);
}

/**
 * A Cluster client: the per-node settings apply to each primary's connection. Subscribers use
 * sharded pub/sub, where each channel lives on the shard of its slot (every ringcast channel
 * carries the keys' hash tag, so they all live with the data they announce).
 */
function createCluster(target: Extract<RedisTarget, { kind: "cluster" }>, role: RedisRole, base: RedisOptions): Cluster {
  const { lazyConnect, enableOfflineQueue, enableAutoPipelining: _pipelining, retryStrategy, reconnectOnError: _readonly, ...node } = base;
  const cluster = new Cluster(
    target.nodes,
    clusterConnectOptions(target, node, {
      lazyConnect,
      enableOfflineQueue,
      // A batch that meets a slot on the move (ASK, MOVED) is not sent again when some of its
      // commands already ran, so the error would reach the caller: commands go one by one,
      // each following its own redirection.
      enableAutoPipelining: false,
      clusterRetryStrategy: (attempt) => retryStrategy?.(attempt) ?? 1000,
      shardedSubscribers: role === "sub" || role === "watch",
      ...clusterRetries(role),
    }),
  );
  // A node's connection opens at its first command, and without an offline queue the commands
  // sent while it is still connecting fail: each node is connected as soon as it is known, so the
  // first burst to a shard (log groups and limit counters live on every shard) is not refused.
  if (!enableOfflineQueue) cluster.on("+node", (redis: Redis) => void (redis.status === "wait" ? redis.connect().catch(() => undefined) : undefined));
  return cluster;
}

/**
 * How a Cluster client retries what failed while a primary failed over. ioredis sends a command
 * again when its connection closed, which for one in flight may run it twice (an append stored
 * twice), and retries a shard without a primary (CLUSTERDOWN) for a while, which hides the outage
 * from a member's heartbeat (its lease logic must know it was cut off). The store and the
 * registry fail such commands at once (503; the next heartbeat tries again), as they do on a
 * single Redis; publishers and subscribers wait for the new primary.
 */
export function clusterRetries(role: RedisRole): { retryDelayOnFailover?: number; retryDelayOnClusterDown?: number } {
  return role === "store" || role === "registry" ? { retryDelayOnFailover: 0, retryDelayOnClusterDown: 0 } : {};
}

/** CLIENT SETNAME allows no spaces; member ids never contain them (NODE_ID is validated). */
export function connectionNamePrefix(role: RedisRole): string {
  return `ringcast-${role}:`;
}

function watchHealth(client: RedisClient, role: RedisRole, log: Logger): void {
  let down = false;
  const lost = (reason: string): void => {
    if (!down) log.warn({ role, reason }, "redis connection lost; reconnecting");
    down = true;
  };
  // "close" marks a dropped connection; "error" repeats on every failed reconnect attempt.
  client.on("close", () => lost("connection closed"));
  client.on("error", (err: Error) => lost(err.message));
  const restored = (): void => {
    if (down) log.info({ role }, "redis connection restored");
    down = false;
  };
  client.on("ready", restored);
  if (!isCluster(client)) return;
  // A Cluster stays "ready" while one shard fails over: a node dropped is the outage, and the slot
  // map read again (with the promoted replica) is the way back.
  client.on("-node", () => {
    if (client.status === "ready") lost("a cluster node dropped"); // not while closing on purpose
  });
  client.on("refresh", restored);
}

/** Connects a lazy client and resolves once it is ready; rejects after timeoutMs. */
export async function connectRedis(client: RedisClient, timeoutMs = 10_000): Promise<void> {
  if (client.status === "ready") return;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`redis not ready after ${timeoutMs} ms`)), timeoutMs);
  });
  const ready = new Promise<void>((resolve) => client.once("ready", () => resolve()));
  if (client.status === "wait") client.connect().catch(() => undefined);
  try {
    await Promise.race([ready, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** True when every client is connected and ready for commands. */
export function allReady(clients: RedisClient[]): boolean {
  return clients.every((c) => c.status === "ready");
}

/**
 * Closes a client without hanging: QUIT (which flushes pending commands) only while connected and
 * for at most a second; otherwise drop the connection, since queued commands would wait forever.
 */
export async function closeRedis(client: RedisClient): Promise<void> {
  if (client.status !== "ready") return void client.disconnect();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, 1000);
  });
  await Promise.race([client.quit().catch(() => undefined), timeout]);
  clearTimeout(timer);
  client.disconnect();
}
