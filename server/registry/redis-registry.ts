import type { Redis } from "ioredis";
import type { AdapterStats } from "../adapter/adapter-stats.ts";
import type { Logger } from "../log.ts";
import { guarded } from "../redis/guard.ts";
import type { RedisKeys } from "../redis/keys.ts";
import type { MemberInfo, Membership, Registry, RegistryStatus } from "./registry.ts";
import { DEREGISTER, HEARTBEAT, READ } from "./registry-scripts.ts";

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
}

/**
 * Leases in a sorted set scored by expiry, details in a hash, an epoch counter bumped (and
 * announced on pub/sub) by every join, departure or expiry. Needs a dedicated subscriber
 * connection for the announcements.
 */
export class RedisRegistry implements Registry {
  status: RegistryStatus = "idle";
  private timer: NodeJS.Timeout | undefined;
  private latest: Membership | undefined;
  private readonly listeners = new Set<(membership: Membership) => void>();
  private refreshing: Promise<void> | undefined;
  private refreshAgain = false;
  private readonly startedAt = new Date().toISOString();

  constructor(
    private readonly redis: Redis,
    private readonly subscriber: Redis,
    private readonly keys: RedisKeys,
    private readonly self: SelfDescription,
    private readonly options: RedisRegistryOptions,
    private readonly log: Logger,
  ) {}

  async start(): Promise<void> {
    if (this.status !== "idle") throw new Error(`registry is ${this.status}`);
    this.status = "running";
    this.subscriber.on("message", (channel: string) => {
      if (channel === this.keys.ringChanges) this.refresh();
    });
    // After a reconnect ioredis re-subscribes; announcements made meanwhile are lost, so re-read.
    this.subscriber.on("ready", () => this.refresh());
    await this.subscriber.subscribe(this.keys.ringChanges);
    await this.heartbeat();
    await this.refreshNow();
    this.scheduleHeartbeat();
  }

  read(): Promise<Membership> {
    return guarded(this.redis, "the member registry", async () => {
      const reply = await this.redis.eval(READ, 3, ...this.registryKeys());
      const [epoch, ids, infos] = reply as [string, string[], (string | null)[]];
      const members = infos
        .map((json, i) => (json ? (JSON.parse(json) as MemberInfo) : placeholder(ids[i]!)))
        .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
      return { epoch: Number(epoch), members };
    });
  }

  current(): Membership | undefined {
    return this.latest;
  }

  onChange(listener: (membership: Membership) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async close(): Promise<void> {
    if (this.status === "closed") return;
    this.status = "closed";
    clearTimeout(this.timer);
    this.timer = undefined;
    this.listeners.clear();
    if (this.redis.status !== "ready") return;
    await this.redis
      .eval(DEREGISTER, 3, ...this.registryKeys(), this.self.id, this.keys.ringChanges)
      .catch((err: Error) => this.log.warn({ err: err.message }, "could not deregister"));
  }

  private registryKeys(): [string, string, string] {
    return [this.keys.memberLeases, this.keys.memberInfo, this.keys.ringEpoch];
  }

  private scheduleHeartbeat(): void {
    this.timer = setTimeout(() => {
      this.heartbeat()
        .then(() => this.refreshNow())
        .catch((err: Error) => this.log.debug({ err: err.message }, "heartbeat failed"))
        .finally(() => {
          if (this.status === "running") this.scheduleHeartbeat();
        });
    }, this.options.heartbeatMs);
  }

  /** Renews this member's lease and prunes expired members (bumping the epoch if anything changed). */
  private async heartbeat(): Promise<void> {
    const now = Date.now();
    const info: MemberInfo = {
      id: this.self.id,
      url: this.self.url(),
      mode: this.self.mode,
      sockets: this.self.socketCount(),
      startedAt: this.startedAt,
      lastHeartbeatAt: new Date(now).toISOString(),
      adapter: this.self.adapterStats?.(),
    };
    await this.redis.eval(
      HEARTBEAT,
      3,
      ...this.registryKeys(),
      this.self.id,
      now,
      now + this.options.leaseMs,
      JSON.stringify(info),
      this.keys.ringChanges,
    );
  }

  /** Re-reads the membership soon; concurrent calls coalesce into one extra read. */
  private refresh(): void {
    this.refreshNow().catch((err: Error) => this.log.debug({ err: err.message }, "membership refresh failed"));
  }

  private async refreshNow(): Promise<void> {
    if (this.refreshing) {
      this.refreshAgain = true;
      return this.refreshing;
    }
    this.refreshing = (async () => {
      do {
        this.refreshAgain = false;
        this.accept(await this.read());
      } while (this.refreshAgain && this.status === "running");
    })().finally(() => {
      this.refreshing = undefined;
    });
    return this.refreshing;
  }

  /**
   * Keeps the latest read and tells listeners when the epoch changed. Reads are sequential, so
   * the epoch only goes backwards when Redis lost its data; that is a change too.
   */
  private accept(membership: Membership): void {
    if (this.status !== "running") return;
    const previous = this.latest;
    this.latest = membership;
    if (previous?.epoch === membership.epoch) return;
    for (const listener of this.listeners) listener(membership);
  }
}

/** A leased id whose details are missing (never expected; kept so the ring stays consistent). */
function placeholder(id: string): MemberInfo {
  return { id, url: "", mode: "broadcast", sockets: 0, startedAt: "", lastHeartbeatAt: "" };
}
