import type { Redis } from "ioredis";
import type { Logger } from "../log.ts";
import { guarded } from "../redis/guard.ts";
import type { RedisKeys } from "../redis/keys.ts";
import type { MemberInfo, Registry, RegistryStatus } from "./registry.ts";

export interface RedisRegistryOptions {
  /** How often the lease is renewed (ms). */
  heartbeatMs: number;
  /** How long a member stays listed after its last heartbeat (ms). */
  leaseMs: number;
}

export interface SelfDescription {
  id: string;
  /** Read at every heartbeat, since the port may be known only once listening. */
  url: () => string;
  mode: MemberInfo["mode"];
  /** Read at every heartbeat. */
  socketCount: () => number;
}

/** Leases in a sorted set scored by expiry time; details in a hash beside it. */
export class RedisRegistry implements Registry {
  private timer: NodeJS.Timeout | undefined;
  private readonly startedAt = new Date().toISOString();
  status: RegistryStatus = "idle";

  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
    private readonly self: SelfDescription,
    private readonly options: RedisRegistryOptions,
    private readonly log: Logger,
  ) {}

  async start(): Promise<void> {
    if (this.status !== "idle") throw new Error(`registry is ${this.status}`);
    this.status = "running";
    await this.heartbeat();
    this.scheduleHeartbeat();
  }

  members(): Promise<MemberInfo[]> {
    return guarded(this.redis, "the member registry", async () => {
      const ids = await this.redis.zrangebyscore(this.keys.memberLeases, Date.now(), "+inf");
      if (ids.length === 0) return [];
      const infos = await this.redis.hmget(this.keys.memberInfo, ...ids);
      return infos
        .filter((json): json is string => json !== null)
        .map((json) => JSON.parse(json) as MemberInfo)
        .sort((a, b) => a.id.localeCompare(b.id));
    });
  }

  async close(): Promise<void> {
    if (this.status === "closed") return;
    this.status = "closed";
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.redis.status !== "ready") return;
    await this.redis
      .multi()
      .zrem(this.keys.memberLeases, this.self.id)
      .hdel(this.keys.memberInfo, this.self.id)
      .exec()
      .catch((err: Error) => this.log.warn({ err: err.message }, "could not deregister"));
  }

  private scheduleHeartbeat(): void {
    this.timer = setTimeout(() => {
      this.heartbeat()
        .catch((err: Error) => this.log.debug({ err: err.message }, "heartbeat failed"))
        .finally(() => {
          if (this.status === "running") this.scheduleHeartbeat();
        });
    }, this.options.heartbeatMs);
  }

  /** Renews this member's lease and forgets members whose lease ran out. */
  private async heartbeat(): Promise<void> {
    const now = Date.now();
    const info: MemberInfo = {
      id: this.self.id,
      url: this.self.url(),
      mode: this.self.mode,
      sockets: this.self.socketCount(),
      startedAt: this.startedAt,
      lastHeartbeatAt: new Date(now).toISOString(),
    };
    const expired = await this.redis.zrangebyscore(this.keys.memberLeases, "-inf", now);
    const tx = this.redis.multi();
    tx.zadd(this.keys.memberLeases, now + this.options.leaseMs, this.self.id);
    tx.hset(this.keys.memberInfo, this.self.id, JSON.stringify(info));
    if (expired.length > 0) {
      tx.zremrangebyscore(this.keys.memberLeases, "-inf", now);
      tx.hdel(this.keys.memberInfo, ...expired);
    }
    await tx.exec();
  }
}
