import type { RedisClient } from "../redis/connect.ts";
import type { Logger } from "../log.ts";
import { guarded } from "../redis/guard.ts";
import type { RedisKeys } from "../redis/keys.ts";
import { onMessage, subscribe } from "../redis/pubsub.ts";
import { onResubscribed } from "../redis/resubscribed.ts";
import type { MemberInfo, Membership, MembershipWatcher } from "./registry.ts";
import { READ } from "./registry-scripts.ts";

/**
 * Follows the membership kept in Redis without being a member (what routers need): re-reads it
 * on every announcement, after every reconnect of its subscriber, and whenever asked.
 */
export class RedisMembershipWatcher implements MembershipWatcher {
  private latest: Membership | undefined;
  private readonly listeners = new Set<(membership: Membership) => void>();
  private refreshing: Promise<void> | undefined;
  private refreshAgain = false;
  private running = false;

  constructor(
    private readonly redis: RedisClient,
    private readonly subscriber: RedisClient,
    private readonly keys: RedisKeys,
    private readonly log: Logger,
  ) {}

  async start(): Promise<void> {
    this.running = true;
    onMessage(this.subscriber, (channel) => {
      if (channel === this.keys.ringChanges) this.refresh();
    });
    // After a reconnect ioredis re-subscribes; announcements made meanwhile are lost, so re-read.
    onResubscribed(this.subscriber, () => this.refresh());
    await subscribe(this.subscriber, this.keys.ringChanges);
    await this.refreshNow();
  }

  close(): void {
    this.running = false;
    this.listeners.clear();
  }

  read(): Promise<Membership> {
    return guarded(this.redis, "the member registry", async () => {
      const keys = [this.keys.memberLeases, this.keys.memberInfo, this.keys.ringEpoch];
      const [epoch, ids, infos] = (await this.redis.eval(READ, 3, ...keys)) as [string, string[], (string | null)[]];
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

  /** Re-reads the membership soon; concurrent calls coalesce into one extra read. */
  refresh(): void {
    this.refreshNow().catch((err: Error) => this.log.debug({ err: err.message }, "membership refresh failed"));
  }

  async refreshNow(): Promise<void> {
    if (this.refreshing) {
      this.refreshAgain = true;
      return this.refreshing;
    }
    this.refreshing = (async () => {
      do {
        this.refreshAgain = false;
        this.accept(await this.read());
      } while (this.refreshAgain && this.running);
    })().finally(() => {
      this.refreshing = undefined;
    });
    return this.refreshing;
  }

  /**
   * Keeps the latest read and tells listeners when the epoch or a member's address changed (a
   * member restarted under the same id before its lease ran out keeps the epoch, not the port).
   * Reads are sequential, so the epoch only goes backwards when Redis lost its data: a change too.
   */
  private accept(membership: Membership): void {
    if (!this.running) return;
    const previous = this.latest;
    this.latest = membership;
    if (previous && previous.epoch === membership.epoch && addresses(previous) === addresses(membership)) return;
    for (const listener of this.listeners) listener(membership);
  }
}

function addresses(membership: Membership): string {
  return membership.members.map((m) => `${m.id}=${m.url}`).join(" ");
}

/** A leased id whose details are missing (never expected; kept so the ring stays consistent). */
function placeholder(id: string): MemberInfo {
  return { id, url: "", mode: "broadcast", sockets: 0, startedAt: "", lastHeartbeatAt: "" };
}
