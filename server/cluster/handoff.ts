import type { HashRing } from "../ring/hash-ring.ts";
import type { RingChange } from "../ring/ring-view.ts";

/** The handoff's timings (config: RINGCAST_HANDOFF_*). */
export interface HandoffTimings {
  /**
   * How long after a ring change a sender may still route by an earlier ring, and a moved user's
   * socket may still be on an earlier owner (ms). Default 10000.
   */
  settleMs: number;
  /** When a member re-reads all its sockets' logs after a change (ms after it). Default [1000, 5000]. */
  catchUpMs: number[];
  /** When a socket that connects while a change is recent reads again (ms after it connects). Default [1000, 5000]. */
  followUpMs: number[];
}

export const DEFAULT_HANDOFF_TIMINGS: HandoffTimings = { settleMs: 10_000, catchUpMs: [1000, 5000], followUpMs: [1000, 5000] };

/** The ring as a member sees it: the current one, and each change as the registry announces it. */
export interface RingSource {
  readonly current: HashRing;
  readonly epoch: number;
  onChange(listener: (change: RingChange) => void): () => void;
}

/** A change that moved users: members joined or left. */
export interface Movement extends RingChange {
  /** False for the first ring a process sees (nobody moved). */
  moved: boolean;
}

/**
 * Who may hold user X's sockets at this member's epoch, in one place. A ring change is not seen
 * by every member at once and a moved user's socket stays on its earlier owner until it is closed
 * and the client comes back, so for `settleMs` after a change the owners under every ring seen in
 * that window count as holders (members that left too): notices go to all of them. While a change is
 * recent a member does not trust notices to be complete (its sockets read their logs), re-reads
 * every socket at `catchUpMs`, and a socket that connects reads again at `followUpMs`.
 */
export class Handoff {
  private earlier: { ring: HashRing; until: number }[] = [];
  private lastMovedAt = Number.NEGATIVE_INFINITY;
  private readonly listeners = new Set<(movement: Movement) => void>();
  private unsubscribe: (() => void) | undefined;

  constructor(
    private readonly ring: RingSource,
    private readonly selfId: string,
    readonly timings: HandoffTimings = DEFAULT_HANDOFF_TIMINGS,
    private readonly now: () => number = Date.now,
  ) {}

  start(): void {
    this.unsubscribe ??= this.ring.onChange((change) => this.apply(change));
  }

  close(): void {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    this.listeners.clear();
  }

  /** Called with each change that moved users, after the handoff has taken it in. */
  onMovement(listener: (movement: Movement) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The owner of `userId` now, or undefined while the ring is empty. */
  owner(userId: string): string | undefined {
    return this.ring.current.owner(userId);
  }

  /** Every member that may hold `userId`'s sockets: its owner, then earlier owners while recent. */
  holders(userId: string): string[] {
    const owner = this.owner(userId);
    const holders = owner === undefined ? [] : [owner];
    for (const { ring, until } of this.earlier) {
      if (until <= this.now()) continue;
      // Kept even when that member has left this member's ring: it may not know yet (a lapsed
      // lease) or may still be closing its sockets (a drain), and a socket there must hear every
      // notice or none. A member that is gone hears nothing; the publish costs little.
      const before = ring.owner(userId);
      if (before !== undefined && !holders.includes(before)) holders.push(before);
    }
    return holders;
  }

  /** Why this member must not take a new session of `userId` (it is not its owner), or null. */
  refusal(userId: string): string | null {
    const owner = this.owner(userId);
    if (owner === undefined || owner === this.selfId) return null;
    return `user ${userId} belongs to member ${owner} at ring epoch ${this.ring.epoch}; connect through a router`;
  }

  /** True when no change is recent: every sender routes as this member does. */
  settled(): boolean {
    return this.now() - this.lastMovedAt >= this.timings.settleMs;
  }

  /** When the ring's members last changed (this process's first ring included). */
  get movedAt(): number {
    return this.lastMovedAt;
  }

  /** The extra reads for a socket connecting now: some while a change is recent, none otherwise. */
  followUps(): number[] {
    return this.settled() ? [] : this.timings.followUpMs;
  }

  private apply(change: RingChange): void {
    const before = change.previous.members;
    const after = change.current.members;
    const changed = before.length !== after.length || before.some((id) => !after.includes(id));
    if (!changed) return;
    const moved = change.previous.size > 0;
    const now = this.now();
    // A process's first ring counts as recent too: the others may not route by it yet.
    this.lastMovedAt = now;
    if (moved) {
      this.earlier = this.earlier.filter(({ until }) => until > now);
      this.earlier.push({ ring: change.previous, until: now + this.timings.settleMs });
    }
    for (const listener of this.listeners) listener({ ...change, moved });
  }
}
