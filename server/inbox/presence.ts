import type { Redis } from "ioredis";
import type { RedisKeys } from "../redis/keys.ts";

/**
 * Which users have a socket on which member: a hash per member (user -> socket count), so the
 * entries of a member that died are simply ignored once it has left the registry.
 */
export class Presence {
  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
    private readonly memberId: string,
  ) {}

  /** Forgets what an earlier run of this member left behind. */
  async reset(): Promise<void> {
    await this.redis.del(this.keys.presence(this.memberId));
  }

  connected(userId: string): void {
    this.change(userId, 1);
  }

  disconnected(userId: string): void {
    this.change(userId, -1);
  }

  /** The users among `userIds` with at least one socket on one of `liveMemberIds`. */
  onlineAmong(userIds: readonly string[], liveMemberIds: readonly string[]): Promise<Set<string>> {
    return this.onlineOn(new Map(liveMemberIds.map((member) => [member, userIds])));
  }

  /**
   * The users with a socket on the member they are listed under (hash mode asks each user's owner
   * only: one read per owner, not one per member).
   */
  async onlineOn(usersByMember: ReadonlyMap<string, readonly string[]>): Promise<Set<string>> {
    const online = new Set<string>();
    const asked = [...usersByMember].filter(([, users]) => users.length > 0);
    if (asked.length === 0) return online;
    const pipeline = this.redis.pipeline();
    for (const [member, users] of asked) pipeline.hmget(this.keys.presence(member), ...users);
    ((await pipeline.exec()) ?? []).forEach(([, counts], i) => {
      const users = asked[i]![1];
      (counts as (string | null)[]).forEach((count, j) => {
        if (Number(count) > 0) online.add(users[j]!);
      });
    });
    return online;
  }

  /** How many sockets `userId` has on these members, all together (broadcast mode spreads them). */
  async socketsOf(userId: string, memberIds: readonly string[]): Promise<number> {
    if (memberIds.length === 0) return 0;
    const pipeline = this.redis.pipeline();
    for (const member of memberIds) pipeline.hget(this.keys.presence(member), userId);
    let total = 0;
    for (const [err, count] of (await pipeline.exec()) ?? []) {
      if (err) throw err;
      total += Math.max(0, Number(count) || 0);
    }
    return total;
  }

  private change(userId: string, by: number): void {
    if (this.redis.status !== "ready") return; // presence is advisory; an outage only understates it
    this.redis.hincrby(this.keys.presence(this.memberId), userId, by).catch(() => undefined);
  }
}
