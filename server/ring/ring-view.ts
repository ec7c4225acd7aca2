import type { Membership, Registry } from "../registry/registry.ts";
import { DEFAULT_VIRTUAL_NODES, HashRing } from "./hash-ring.ts";

/** A ring change: what was, what is. */
export interface RingChange {
  previous: HashRing;
  current: HashRing;
  epoch: number;
}

/** Anything that can say which member owns a routing key. */
export interface RingLookup {
  owner(key: string): string | undefined;
  /** How many members the ring holds. */
  readonly size: number;
}

/**
 * How long a ring change is "recent": sockets of moved users are still being closed and clients
 * reconnecting, and a sender may not have seen the change yet.
 */
export const RING_SETTLE_MS = 10_000;

/** Keys grouped by their owner; a key with no owner (an empty ring) goes to `fallback`. */
export function groupByOwner(ring: RingLookup, keys: Iterable<string>, fallback: string): Map<string, string[]> {
  const byOwner = new Map<string, string[]>();
  for (const key of keys) {
    const owner = ring.owner(key) ?? fallback;
    const group = byOwner.get(owner);
    if (group) group.push(key);
    else byOwner.set(owner, [key]);
  }
  return byOwner;
}

/**
 * The ring as this process currently sees it, rebuilt from every membership the registry
 * announces. Every process that saw the same epoch holds the identical ring.
 */
export class RingView implements RingLookup {
  private ring: HashRing;
  private urls = new Map<string, string>();
  private listeners = new Set<(change: RingChange) => void>();
  epoch = -1;
  /** When the set of members last changed (Date.now(); 0 before the first ring). */
  changedAt = 0;
  /** The ring before that change. */
  private previous: HashRing;

  constructor(
    registry: Pick<Registry, "onChange">,
    private readonly virtualNodes = DEFAULT_VIRTUAL_NODES,
  ) {
    this.ring = new HashRing([], virtualNodes);
    this.previous = this.ring;
    registry.onChange((membership) => this.apply(membership));
  }

  get current(): HashRing {
    return this.ring;
  }

  owner(key: string): string | undefined {
    return this.ring.owner(key);
  }

  get size(): number {
    return this.ring.size;
  }

  /** The URL the owner of `key` registered, if it is known. */
  ownerUrl(key: string): { id: string; url: string } | undefined {
    const id = this.ring.owner(key);
    const url = id === undefined ? undefined : this.urls.get(id);
    return id === undefined || !url ? undefined : { id, url };
  }

  /**
   * While a change is recent: the member that owned `key` before it, if that member is still in
   * the ring and is not the owner now (the user's socket may still be there, waiting to move).
   */
  previousOwner(key: string, now = Date.now()): string | undefined {
    if (now - this.changedAt >= RING_SETTLE_MS) return undefined;
    const before = this.previous.owner(key);
    return before !== undefined && before !== this.ring.owner(key) && this.urls.has(before) ? before : undefined;
  }

  urlOf(memberId: string): string | undefined {
    return this.urls.get(memberId);
  }

  onChange(listener: (change: RingChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private apply(membership: Membership): void {
    const previous = this.ring;
    this.ring = new HashRing(
      membership.members.map((m) => m.id),
      this.virtualNodes,
    );
    this.urls = new Map(membership.members.map((m) => [m.id, m.url]));
    this.epoch = membership.epoch;
    const moved = previous.members.length !== this.ring.members.length || previous.members.some((id) => !this.ring.members.includes(id));
    if (moved) {
      this.changedAt = Date.now();
      this.previous = previous;
    }
    for (const listener of this.listeners) listener({ previous, current: this.ring, epoch: membership.epoch });
  }
}
