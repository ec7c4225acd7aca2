import { EventEmitter } from "node:events";
import type { Logger } from "../log.ts";
import type { Membership, MembershipWatcher } from "../registry/registry.ts";

/** The member set at one epoch, as the events and `ring` show it. */
export interface RingState {
  /** Bumped by every join, departure or lease expiry, cluster-wide. */
  epoch: number;
  /** Sorted by id. */
  members: { id: string; url: string }[];
}

/** What a member and a router emit as the registry's member set changes (as ioredis's +node/-node). */
export interface ClusterEvents {
  /** A member joined (each one, the first time the set is read too). */
  "+member": [id: string];
  /** A member left: it closed, or its lease ran out. */
  "-member": [id: string];
  /** The new member set, after the +member/-member events of the change. */
  ring: [ring: RingState];
}

export function ringState(membership: Membership | undefined): RingState {
  if (!membership) return { epoch: 0, members: [] };
  return { epoch: membership.epoch, members: membership.members.map(({ id, url }) => ({ id, url })) };
}

/** Emits the ClusterEvents of a membership source; a listener that throws is logged, never rethrown. */
export class RingEvents extends EventEmitter<ClusterEvents> {
  private known = new Set<string>();

  constructor(private readonly eventLog: Logger) {
    super();
  }

  /** Starts following `source`; returns the unsubscribe function. */
  protected follow(source: Pick<MembershipWatcher, "onChange">): () => void {
    return source.onChange((membership) => this.announce(membership));
  }

  private announce(membership: Membership): void {
    const now = new Set(membership.members.map((m) => m.id));
    for (const id of now) if (!this.known.has(id)) this.safely("+member", () => this.emit("+member", id));
    for (const id of this.known) if (!now.has(id)) this.safely("-member", () => this.emit("-member", id));
    this.known = now;
    this.safely("ring", () => this.emit("ring", ringState(membership)));
  }

  /** The registry's listeners (the ring among them) must not be cut short by an application's. */
  private safely(event: keyof ClusterEvents, emit: () => void): void {
    try {
      emit();
    } catch (err) {
      this.eventLog.error({ err: (err as Error).message, event }, "a cluster event listener threw");
    }
  }
}
