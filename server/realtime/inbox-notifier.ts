import type { AdapterStats } from "../adapter/adapter-stats.ts";
import type { MessageDelivery } from "../messaging/delivery.ts";
import type { Message } from "../messaging/message.ts";
import { groupByOwner, type RingLookup } from "../ring/ring-view.ts";
import type { RingcastServer } from "./types.ts";

export const INBOX_EVENT = "ringcast:inbox";

/** Wakes the local readers of these users' logs. */
export type LocalWake = (userIds: string[]) => void;

/** Broadcast mode: every member hears about every message and checks its own sockets. */
export class BroadcastNotifier implements MessageDelivery {
  constructor(
    private readonly io: RingcastServer,
    private readonly wakeLocal: LocalWake,
    private readonly stats: AdapterStats,
  ) {}

  deliver(_message: Message, recipientIds: readonly string[]): void {
    const ids = [...recipientIds];
    this.wakeLocal(ids);
    this.stats.published++;
    this.io.serverSideEmit(INBOX_EVENT, ids);
  }
}

/**
 * Hash mode: one notification per owning member, none through Redis for local recipients. Right
 * after a join, a moved user's socket is still on its previous owner until it is closed and the
 * client reconnects: that member is notified too, so the user is reached where it is (its cursor
 * keeps the two from delivering a message twice).
 */
export class HashNotifier implements MessageDelivery {
  constructor(
    private readonly ring: RingLookup & { previousOwner(key: string): string | undefined },
    private readonly selfId: string,
    private readonly emitTo: (memberIds: Iterable<string>, packet: unknown[]) => void,
    private readonly wakeLocal: LocalWake,
    private readonly stats: AdapterStats,
  ) {}

  deliver(_message: Message, recipientIds: readonly string[]): void {
    const byMember = groupByOwner(this.ring, recipientIds, this.selfId);
    for (const id of recipientIds) {
      const before = this.ring.previousOwner(id);
      if (before === undefined) continue;
      const group = byMember.get(before);
      if (group) group.push(id);
      else byMember.set(before, [id]);
    }
    for (const [owner, ids] of byMember) {
      if (owner === this.selfId) {
        this.wakeLocal(ids);
        continue;
      }
      this.stats.published++;
      this.emitTo([owner], [INBOX_EVENT, ids]);
    }
  }
}
