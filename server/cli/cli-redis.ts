import { Redis } from "ioredis";
import { redisTargetFromProcessEnv } from "../config/redis-config.ts";
import { redisConnectOptions } from "../redis/redis-target.ts";

/**
 * A connection for a one-shot CLI, to the Redis the environment names (REDIS_URL or
 * REDIS_SENTINELS, as members and gateways read them). Lazy: the caller connects.
 */
export function openCliRedis(env: Record<string, string | undefined> = process.env): Redis {
  const { url, options } = redisConnectOptions(redisTargetFromProcessEnv(env), { lazyConnect: true, maxRetriesPerRequest: 1 });
  return url === undefined ? new Redis(options) : new Redis(url, options);
}
