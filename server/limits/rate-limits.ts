import type { RedisClient } from "../redis/connect.ts";
import { RateLimiterRedis, RateLimiterRes } from "rate-limiter-flexible";
import type { Limit } from "../config/config.ts";
import { RateLimitedError, type RingcastError, UnavailableError } from "../errors.ts";

/**
 * One cluster-wide budget (rate-limiter-flexible's Redis store: one atomic script per consume, keys
 * expire by themselves). Every refusal is a RingcastError: `rate_limited` with the wait, or
 * `service_unavailable` when Redis cannot count (a limit that cannot be checked is not waived).
 */
export class ClusterLimit {
  private readonly limiter: RateLimiterRedis;

  constructor(
    redis: RedisClient,
    /** Key prefix, under the cluster's RINGCAST_REDIS_PREFIX (see limitKeyPrefix). */
    keyPrefix: string,
    readonly limit: Limit,
    /** What is counted, for the refusal's message ("direct messages"). */
    private readonly what: string,
    /** What is unavailable while Redis is away ("sending"). */
    private readonly service: string,
  ) {
    this.limiter = new RateLimiterRedis({
      storeClient: redis,
      useRedisPackage: false,
      rejectIfRedisNotReady: true,
      keyPrefix,
      points: limit.points,
      duration: limit.seconds,
    });
  }

  /** Counts one use of `key`'s budget; throws when it was already spent. */
  async consume(key: string): Promise<void> {
    try {
      await this.limiter.consume(key);
    } catch (err) {
      throw this.refusal(err);
    }
  }

  /** Throws when `key`'s budget is spent, without counting a use. */
  async refuseIfSpent(key: string): Promise<void> {
    let state: RateLimiterRes | null;
    try {
      state = await this.limiter.get(key);
    } catch (err) {
      throw this.refusal(err);
    }
    if (state && state.consumedPoints >= this.limit.points) throw new RateLimitedError(this.what, Math.max(1, state.msBeforeNext));
  }

  /** Gives `key` its whole budget back (best effort: a lost reset only delays the user). */
  async forget(key: string): Promise<void> {
    await this.limiter.delete(key).catch(() => undefined);
  }

  private refusal(err: unknown): RingcastError {
    if (err instanceof RateLimiterRes) return new RateLimitedError(this.what, Math.max(1, err.msBeforeNext));
    return new UnavailableError(this.service);
  }
}

/**
 * Where a limit's counters live: `<RINGCAST_REDIS_PREFIX>:limit:<name>:<key>`. Without the
 * prefix's hash tag (on a Redis Cluster): each counter is one key, used alone, so the counters
 * spread over the shards by their whole names instead of all landing on the deployment's slot.
 */
export function limitKeyPrefix(redisPrefix: string, name: string): string {
  return `${redisPrefix.replace(/[{}]/g, "")}:limit:${name}`;
}
