import type { RedisOptions } from "ioredis";
import type { Logger } from "../log.ts";
import { closeRedis, clusterRetries, connectRedis, connectionNamePrefix, createRedisClient, isCluster, type RedisClient, type RedisRole } from "../redis/connect.ts";

/**
 * The Redis connections a cluster member opens for itself, each for one job, so no job waits
 * behind another: subscribers cannot send commands, and a lease renewal must not queue behind a
 * burst of publishes.
 */
export interface ClusterConnections {
  /** The adapter's publishes. */
  pub: RedisClient;
  /** The adapter's subscriptions (a dedicated subscriber). */
  sub: RedisClient;
  /** The registry's lease renewals and membership reads. */
  registry: RedisClient;
  /** Ring-change announcements (a dedicated subscriber, named after the member for routers' liveness checks). */
  watch: RedisClient;
}

/** How each connection behaves while Redis is away (as the product's own clients do). */
const ROLE_OPTIONS: Record<RedisRole, Partial<RedisOptions>> = {
  // Publishes and subscriptions wait for the reconnect: the adapter cannot handle a rejected publish.
  pub: { enableOfflineQueue: true, maxRetriesPerRequest: null, enableAutoPipelining: true },
  sub: { enableOfflineQueue: true, maxRetriesPerRequest: null },
  watch: { enableOfflineQueue: true, maxRetriesPerRequest: null },
  // A renewal that cannot go now fails at once; the next heartbeat tries again.
  registry: { enableOfflineQueue: false, maxRetriesPerRequest: 1 },
  store: { enableOfflineQueue: false, maxRetriesPerRequest: 1 },
};

/**
 * Opens the member's four connections: from a URL, or as duplicates of a given ioredis client
 * (same host, credentials and TLS; the given client itself is never used and stays the caller's).
 * Lazy: nothing connects before `connectAll`.
 */
export function openConnections(redis: RedisClient | string, memberId: string, log: Logger): ClusterConnections {
  const open = (role: RedisRole, owner?: string): RedisClient => {
    if (typeof redis === "string") return createRedisClient(redis, role, log, owner);
    const client = duplicateFor(redis, role, owner ? `${connectionNamePrefix(role)}${owner}` : `ringcast-${role}`);
    // Without a listener ioredis prints every failed reconnect; it reconnects by itself either way.
    client.on("error", (err: Error) => log.debug({ role, err: err.message }, "redis connection error"));
    return client;
  };
  return { pub: open("pub"), sub: open("sub"), registry: open("registry"), watch: open("watch", memberId) };
}

/** A lazy copy of `redis` (same nodes, credentials and TLS) set up for one role. */
export function duplicateFor(redis: RedisClient, role: RedisRole, connectionName: string): RedisClient {
  const { enableOfflineQueue, enableAutoPipelining: _pipelining, ...node } = ROLE_OPTIONS[role];
  if (!isCluster(redis)) return redis.duplicate({ ...ROLE_OPTIONS[role], lazyConnect: true, connectionName });
  // A Cluster's duplicate merges options shallowly: the per-node ones are given whole.
  return redis.duplicate([], {
    lazyConnect: true,
    enableOfflineQueue,
    enableAutoPipelining: false, // see createRedisClient: a redirected batch is not sent again
    shardedSubscribers: role === "sub" || role === "watch",
    ...clusterRetries(role),
    redisOptions: { ...redis.options.redisOptions, ...node, connectionName },
  });
}

/** Resolves once every connection is ready; rejects after `timeoutMs` (then closes them all). */
export async function connectAll(connections: ClusterConnections, timeoutMs = 10_000): Promise<void> {
  try {
    await Promise.all(Object.values(connections).map((client) => connectRedis(client, timeoutMs)));
  } catch (err) {
    await closeAll(connections);
    throw err;
  }
}

/** QUITs what is connected (flushing what is queued), drops the rest; never hangs. */
export async function closeAll(connections: ClusterConnections): Promise<void> {
  await Promise.all(Object.values(connections).map((client) => closeRedis(client)));
}
