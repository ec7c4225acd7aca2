import { LRUCache } from "lru-cache";
import type { SchoolClass, SchoolStore, User } from "./school.ts";

/** The school reads every send makes: who sends, to whom, and may they. */
export type SendReads = Pick<SchoolStore, "getUser" | "getClass" | "shareAClass">;

export interface CachedSchoolReadsOptions {
  /** How long a read is reused (ms): a change to a user or a class reaches sends within it. Default 1000. */
  ttlMs?: number;
  /** Most entries kept. Default 100000. */
  max?: number;
}

/**
 * The send path's school reads, kept in memory for a moment: a teacher posting to a class, or a
 * student chatting, reads the same records many times a second. Concurrent reads of one record
 * share one Redis round trip; a failed read is not kept.
 */
export class CachedSchoolReads implements SendReads {
  private readonly cache: LRUCache<string, Promise<unknown>>;

  constructor(
    private readonly store: SendReads,
    options: CachedSchoolReadsOptions = {},
  ) {
    this.cache = new LRUCache({ max: options.max ?? 100_000, ttl: options.ttlMs ?? 1000 });
  }

  getUser(id: string): Promise<User | undefined> {
    return this.cached(`user:${id}`, () => this.store.getUser(id));
  }

  getClass(id: string): Promise<SchoolClass | undefined> {
    return this.cached(`class:${id}`, () => this.store.getClass(id));
  }

  shareAClass(userA: string, userB: string): Promise<boolean> {
    const [a, b] = userA < userB ? [userA, userB] : [userB, userA];
    return this.cached(`shared:${a}:${b}`, () => this.store.shareAClass(a, b));
  }

  /**
   * Drops what is kept about a user whose account just ended (disabled, deleted): its record, its
   * pairs, and every class (it may have been taken out of any), so the next send reads them anew.
   */
  forgetUser(userId: string): void {
    for (const key of [...this.cache.keys()]) {
      const [kind, ...ids] = key.split(":");
      if (kind === "class" || ids.includes(userId)) this.cache.delete(key);
    }
  }

  private cached<T>(key: string, load: () => Promise<T>): Promise<T> {
    const known = this.cache.get(key) as Promise<T> | undefined;
    if (known) return known;
    const loading = load();
    this.cache.set(key, loading);
    loading.catch(() => this.cache.delete(key));
    return loading;
  }
}
