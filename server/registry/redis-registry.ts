import type { RedisClient } from "../redis/connect.ts";
import type { AdapterStats } from "../adapter/adapter-stats.ts";
import type { Logger } from "../log.ts";
import type { RedisKeys } from "../redis/keys.ts";
import { RedisMembershipWatcher } from "./redis-membership-watcher.ts";
import type { MemberInfo, Membership, MessageTotals, Registry, RegistryStatus } from "./registry.ts";
import { publishCommand } from "../redis/pubsub.ts";
import { DEREGISTER, HEARTBEAT } from "./registry-scripts.ts";

export interface RedisRegistryOptions {
  /** How often the lease is renewed and the membership re-read (ms). */
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
  /** Read at every heartbeat. */
  adapterStats?: () => AdapterStats;
  /** Read at every heartbeat. */
  messageTotals?: () => MessageTotals;
}

/**
 * A member's lease in Redis: renewed by heartbeat (which also prunes expired members), dropped
 * at once on close. Every join, departure or expiry bumps the ring epoch and is announced; the
 * embedded watcher follows them. Needs a dedicated subscriber connection.
 */
export class RedisRegistry implements Registry {
  status: RegistryStatus = "idle";
  private timer: NodeJS.Timeout | undefined;
  private renewing = false;
  private readonly watcher: RedisMembershipWatcher;
  private readonly startedAt = new Date().toISOString();
  /** While set, this member was itself cut off from Redis: it prunes nobody until this time (ms). */
  private pruneAfter = 0;
  private cutOff = false;

  constructor(
    private readonly redis: RedisClient,
    subscriber: RedisClient,
    private readonly keys: RedisKeys,
    private readonly self: SelfDescription,
    private readonly options: RedisRegistryOptions,
    private readonly log: Logger,
  ) {
    this.watcher = new RedisMembershipWatcher(redis, subscriber, keys, log);
  }

  async start(): Promise<void> {
    if (this.status !== "idle") throw new Error(`registry is ${this.status}`);
    this.status = "running";
    await this.heartbeat();
    await this.watcher.start();
    this.scheduleHeartbeat();
  }

  read(): Promise<Membership> {
    return this.watcher.read();
  }

  current(): Membership | undefined {
    return this.watcher.current();
  }

  onChange(listener: (membership: Membership) => void): () => void {
    return this.watcher.onChange(listener);
  }

  async close(): Promise<void> {
    if (this.status === "closed") return;
    this.status = "closed";
    clearTimeout(this.timer);
    this.timer = undefined;
    this.watcher.close();
    if (this.redis.status !== "ready") return;
    await this.redis
      .eval(DEREGISTER, 3, ...this.registryKeys(), this.self.id, this.keys.ringChanges, publishCommand(this.redis))
      .catch((err: Error) => this.log.warn({ err: err.message }, "could not deregister"));
  }

  private registryKeys(): [string, string, string] {
    return [this.keys.memberLeases, this.keys.memberInfo, this.keys.ringEpoch];
  }

  /**
   * One renewal every heartbeatMs from the last one's start, not from its answer: under load an
   * answer can take a while, and waiting for it (and the membership read after it) stretched the
   * interval until the lease ran out on a live member. A renewal still unanswered is not doubled.
   */
  private scheduleHeartbeat(): void {
    this.timer = setTimeout(() => {
      if (this.status !== "running") return;
      this.scheduleHeartbeat();
      if (this.renewing) return;
      this.renewing = true;
      this.heartbeat()
        .then(() => this.watcher.refreshNow())
        .catch((err: Error) => {
          this.cutOff = true;
          this.log.debug({ err: err.message }, "heartbeat failed");
        })
        .finally(() => {
          this.renewing = false;
        });
    }, this.options.heartbeatMs);
  }

  /**
   * Renews this member's lease and prunes expired members (bumping the epoch if anything changed).
   * After its own heartbeats failed (a Redis restart, a Sentinel failover) a member prunes nobody
   * for one lease: the others were cut off too and need that long to reconnect and renew, and
   * must not be evicted because of the outage itself.
   */
  private async heartbeat(): Promise<void> {
    const now = Date.now();
    const pruneBefore = this.cutOff || now < this.pruneAfter ? 0 : now;
    const info: MemberInfo = {
      id: this.self.id,
      url: this.self.url(),
      mode: this.self.mode,
      sockets: this.self.socketCount(),
      startedAt: this.startedAt,
      lastHeartbeatAt: new Date(now).toISOString(),
      adapter: this.self.adapterStats?.(),
      messages: this.self.messageTotals?.(),
    };
    const args = [this.self.id, pruneBefore, now + this.options.leaseMs, JSON.stringify(info), this.keys.ringChanges, publishCommand(this.redis)];
    await this.redis.eval(HEARTBEAT, 3, ...this.registryKeys(), ...args);
    if (this.cutOff) {
      this.cutOff = false;
      this.pruneAfter = Date.now() + this.options.leaseMs;
    }
  }
}
