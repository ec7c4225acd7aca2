import { pino } from "pino";
import type { Logger } from "../log.ts";
import { closeRedis, connectRedis, createRedisClient, isCluster, type RedisClient } from "../redis/connect.ts";
import { redisKeys, slotPrefix } from "../redis/keys.ts";
import { RedisMembershipWatcher } from "../registry/redis-membership-watcher.ts";
import { DEFAULT_VIRTUAL_NODES } from "../ring/hash-ring.ts";
import { RingView } from "../ring/ring-view.ts";
import { RingEvents, type RingState, ringState } from "./cluster-events.ts";

/** Options of `createRouter(options)`; only `redis` is required. */
export interface RouterOptions {
  /** An ioredis client (duplicated twice: commands and a subscriber; never used or closed itself) or a Redis URL. */
  redis: RedisClient | string;
  /** The cluster's prefix (as the members' `prefix`). Default "ringcast". */
  prefix?: string;
  /** As the members' `virtualNodes`. Default 1024. */
  virtualNodes?: number;
  /** A pino logger. Default: silent. */
  log?: Logger;
}

/**
 * Follows a cluster's membership from outside it (an application's gateway, a load balancer's
 * hook, a client launcher) and says which member owns a user: the one whose room emits reach.
 * Kept current by the members' ring-change announcements, after reconnects and on every read.
 * Emits `+member`, `-member` and `ring` as a member does. Works for both modes (in broadcast mode
 * any member serves anyone; the ring's owner spreads users evenly).
 */
export class ClusterRouter extends RingEvents {
  private readonly redis: RedisClient;
  private readonly subscriber: RedisClient;
  private readonly watcher: RedisMembershipWatcher;
  private readonly view: RingView;
  private status: "idle" | "running" | "closed" = "idle";

  constructor(options: RouterOptions) {
    const log = options.log ?? pino({ level: "silent" });
    super(log);
    const open = (role: "store" | "watch"): RedisClient => {
      if (typeof options.redis === "string") return createRedisClient(options.redis, role, log);
      const client = isCluster(options.redis)
        ? options.redis.duplicate([], { lazyConnect: true, shardedSubscribers: role === "watch" })
        : options.redis.duplicate({ lazyConnect: true });
      client.on("error", (err: Error) => log.debug({ role, err: err.message }, "redis connection error"));
      return client;
    };
    this.redis = open("store");
    this.subscriber = open("watch");
    this.watcher = new RedisMembershipWatcher(this.redis, this.subscriber, redisKeys(slotPrefix(options.prefix ?? "ringcast", isCluster(this.redis))), log);
    this.view = new RingView(this.watcher, options.virtualNodes ?? DEFAULT_VIRTUAL_NODES);
    this.follow(this.watcher);
  }

  /** Connects and reads the member set; resolves once `ownerOf` can answer. */
  async start(): Promise<void> {
    if (this.status !== "idle") throw new Error(`router is ${this.status}`);
    this.status = "running";
    await Promise.all([connectRedis(this.redis), connectRedis(this.subscriber)]);
    await this.watcher.start();
  }

  /** The member that owns `userId` and its URL, or undefined while no member is registered. */
  ownerOf(userId: string): { id: string; url: string } | undefined {
    return this.view.ownerUrl(userId);
  }

  /** The member set as last read. */
  get ring(): RingState {
    return ringState(this.watcher.current());
  }

  async close(): Promise<void> {
    if (this.status === "closed") return;
    this.status = "closed";
    this.watcher.close();
    this.removeAllListeners();
    await Promise.all([closeRedis(this.redis), closeRedis(this.subscriber)]);
  }
}

/** A router for a cluster's gateway: `await router.start()`, then `router.ownerOf(userId)`. */
export function createRouter(options: RouterOptions): ClusterRouter {
  return new ClusterRouter(options);
}
