import type { UserCount } from "./presence-messages.ts";

/**
 * Socket counts per member and user, and their sum per user, so a question about a user costs one
 * map lookup whatever the cluster size. Only positive counts are stored: a user who left every
 * member takes no memory.
 */
export class PresenceTable {
  private readonly byMember = new Map<string, Map<string, number>>();
  private readonly totals = new Map<string, number>();

  /** Sockets of `userId` cluster-wide. */
  total(userId: string): number {
    return this.totals.get(userId) ?? 0;
  }

  /** Sockets of `userId` on `memberId`. */
  on(memberId: string, userId: string): number {
    return this.byMember.get(memberId)?.get(userId) ?? 0;
  }

  set(memberId: string, userId: string, sockets: number): void {
    const users = this.byMember.get(memberId);
    const before = users?.get(userId) ?? 0;
    if (sockets === before) return;
    if (sockets > 0) {
      if (users) users.set(userId, sockets);
      else this.byMember.set(memberId, new Map([[userId, sockets]]));
    } else {
      users?.delete(userId);
      if (users?.size === 0) this.byMember.delete(memberId);
    }
    this.addToTotal(userId, sockets - before);
  }

  /** Replaces everything known about `memberId` (a snapshot). */
  replace(memberId: string, counts: readonly UserCount[]): void {
    this.drop(memberId);
    for (const [userId, sockets] of counts) this.set(memberId, userId, sockets);
  }

  drop(memberId: string): void {
    const users = this.byMember.get(memberId);
    if (!users) return;
    this.byMember.delete(memberId);
    for (const [userId, sockets] of users) this.addToTotal(userId, -sockets);
  }

  /** `memberId`'s users with their counts (for its snapshot). */
  countsOf(memberId: string): UserCount[] {
    return [...(this.byMember.get(memberId) ?? [])];
  }

  /** Members with at least one user. */
  members(): string[] {
    return [...this.byMember.keys()];
  }

  /** Users online somewhere. */
  get users(): number {
    return this.totals.size;
  }

  private addToTotal(userId: string, by: number): void {
    const total = (this.totals.get(userId) ?? 0) + by;
    if (total > 0) this.totals.set(userId, total);
    else this.totals.delete(userId);
  }
}
