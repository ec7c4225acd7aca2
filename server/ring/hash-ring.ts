import { murmur3 } from "./hash.ts";

/** Virtual nodes per member unless configured: keeps the most loaded of 8 members within ~7% of the mean. */
export const DEFAULT_VIRTUAL_NODES = 1024;

/**
 * A consistent-hash ring with virtual nodes. Pure and immutable: the same member set gives the
 * same ring in every process, whatever order the members joined in.
 */
export class HashRing {
  readonly members: readonly string[];
  private readonly points: Uint32Array;
  /** owners[i] is the member owning points[i]. */
  private readonly owners: string[];

  constructor(memberIds: Iterable<string>, readonly virtualNodes = DEFAULT_VIRTUAL_NODES) {
    if (!Number.isInteger(virtualNodes) || virtualNodes < 1) throw new RangeError("virtualNodes must be a positive integer");
    this.members = [...new Set(memberIds)].sort();
    const entries: { point: number; member: string }[] = [];
    for (const member of this.members) {
      for (let v = 0; v < virtualNodes; v++) entries.push({ point: murmur3(`${member}#${v}`), member });
    }
    // Ties (two members hashing to one point) are broken by id, so order never matters.
    entries.sort((a, b) => a.point - b.point || (a.member < b.member ? -1 : a.member > b.member ? 1 : 0));
    this.points = Uint32Array.from(entries, (e) => e.point);
    this.owners = entries.map((e) => e.member);
  }

  get size(): number {
    return this.members.length;
  }

  /** The member owning `key`: the first virtual node clockwise from the key's hash. */
  owner(key: string): string | undefined {
    if (this.points.length === 0) return undefined;
    return this.owners[this.indexAfter(murmur3(key))];
  }

  /** Each member's fraction of the hash space (sums to 1). */
  shares(): Map<string, number> {
    const shares = new Map<string, number>(this.members.map((m) => [m, 0]));
    const n = this.points.length;
    for (let i = 0; i < n; i++) {
      const previous = i === 0 ? this.points[n - 1]! - 2 ** 32 : this.points[i - 1]!;
      const owner = this.owners[i]!;
      shares.set(owner, shares.get(owner)! + (this.points[i]! - previous) / 2 ** 32);
    }
    return shares;
  }

  /** Index of the first point >= hash, wrapping to 0 past the last one (binary search). */
  private indexAfter(hash: number): number {
    let low = 0;
    let high = this.points.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (this.points[mid]! < hash) low = mid + 1;
      else high = mid;
    }
    return low === this.points.length ? 0 : low;
  }
}
