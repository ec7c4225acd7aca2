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

  constructor(
    registry: Pick<Registry, "onChange">,
    private readonly virtualNodes = DEFAULT_VIRTUAL_NODES,
  ) {
    this.ring = new HashRing([], virtualNodes);
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
    for (const listener of this.listeners) listener({ previous, current: this.ring, epoch: membership.epoch });
  }
}
