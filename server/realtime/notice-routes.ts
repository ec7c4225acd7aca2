import type { AdapterStats } from "../adapter/adapter-stats.ts";
import type { NoticeRoute } from "../inbox/inbox.ts";

/** Where the notices of a message go, given its recipients. */
export interface NoticeRouter {
  routes(recipientIds: readonly string[]): NoticeRoute[];
}

/** Broadcast mode: one notice on the channel every member hears; each checks its own sockets. */
export class BroadcastRoutes implements NoticeRouter {
  constructor(private readonly stats: AdapterStats) {}

  routes(recipientIds: readonly string[]): NoticeRoute[] {
    if (recipientIds.length === 0) return [];
    this.stats.published++;
    return [{ member: "", userIds: recipientIds }];
  }
}

/**
 * Hash mode: one notice per member that may hold a recipient's sockets, on that member's channel:
 * its owner, and while a ring change is recent its earlier owners (a moved user's socket stays
 * there until it is closed and the client reconnects; its cursor keeps the two from delivering a
 * message twice). Who those are is the handoff's answer.
 */
export class OwnerRoutes implements NoticeRouter {
  constructor(
    private readonly holders: (userId: string) => readonly string[],
    private readonly stats: AdapterStats,
  ) {}

  routes(recipientIds: readonly string[]): NoticeRoute[] {
    const byMember = new Map<string, string[]>();
    for (const id of recipientIds) {
      for (const member of this.holders(id)) {
        const group = byMember.get(member);
        if (group) group.push(id);
        else byMember.set(member, [id]);
      }
    }
    this.stats.published += byMember.size;
    return [...byMember].map(([member, userIds]) => ({ member, userIds }));
  }
}
