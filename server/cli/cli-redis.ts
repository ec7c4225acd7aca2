import { Cluster, Redis } from "ioredis";
import { redisTargetFromProcessEnv } from "../config/redis-config.ts";
import type { RedisClient } from "../redis/connect.ts";
import { clusterConnectOptions, redisConnectOptions } from "../redis/redis-target.ts";

/**
 * A connection for a one-shot CLI, to the Redis the environment names (REDIS_URL,
 * REDIS_SENTINELS or REDIS_CLUSTER_NODES, as members and gateways read them). Lazy: the caller
 * connects.
 */
export function openCliRedis(env: Record<string, string | undefined> = process.env): RedisClient {
  const target = redisTargetFromProcessEnv(env);
  if (target.kind === "cluster") return new Cluster(target.nodes, clusterConnectOptions(target, { maxRetriesPerRequest: 1 }, { lazyConnect: true }));
  const { url, options } = redisConnectOptions(target, { lazyConnect: true, maxRetriesPerRequest: 1 });
  return url === undefined ? new Redis(options) : new Redis(url, options);
}
