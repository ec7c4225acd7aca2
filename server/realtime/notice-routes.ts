import type { AdapterStats } from "../adapter/adapter-stats.ts";
import type { NoticeRoute } from "../inbox/inbox.ts";
import { groupByOwner, type RingLookup } from "../ring/ring-view.ts";

/** Where the notices of a message go, given its recipients. */
export interface NoticeRouter {
  routes(recipientIds: readonly string[]): NoticeRoute[];
}

/** Broadcast mode: one notice on the channel every member hears; each checks its own sockets. */
export class BroadcastRoutes implements NoticeRouter {
  constructor(
    private readonly channel: string,
    private readonly stats: AdapterStats,
  ) {}

  routes(recipientIds: readonly string[]): NoticeRoute[] {
    if (recipientIds.length === 0) return [];
    this.stats.published++;
    return [{ channel: this.channel, userIds: recipientIds }];
  }
}

/**
 * Hash mode: one notice per owning member, on that member's channel. Right after a join, a moved
 * user's socket is still on its previous owner until it is closed and the client reconnects: that
 * member is told too, so the user is reached where it is (its cursor keeps the two from
 * delivering a message twice).
 */
export class OwnerRoutes implements NoticeRouter {
  constructor(
    private readonly ring: RingLookup & { previousOwner(key: string): string | undefined },
    private readonly selfId: string,
    private readonly channelOf: (memberId: string) => string,
    private readonly stats: AdapterStats,
  ) {}

  routes(recipientIds: readonly string[]): NoticeRoute[] {
    const byMember = groupByOwner(this.ring, recipientIds, this.selfId);
    for (const id of recipientIds) {
      const before = this.ring.previousOwner(id);
      if (before === undefined) continue;
      const group = byMember.get(before);
      if (group) group.push(id);
      else byMember.set(before, [id]);
    }
    this.stats.published += byMember.size;
    return [...byMember].map(([member, userIds]) => ({ channel: this.channelOf(member), userIds }));
  }
}
