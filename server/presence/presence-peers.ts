/**
 * What a message's sequence number says about the state held for its sender:
 * - next: it follows the last one seen, apply it;
 * - gap: messages were lost in between, apply it (counts are absolute) and ask for a snapshot;
 * - new-run: a sender never seen, or restarted (another run): drop its old state, apply, ask;
 * - stale: seen already, or from a run forgotten moments ago: ignore it.
 */
export type Admission = "next" | "gap" | "new-run" | "stale";

interface Peer {
  run: string;
  seq: number;
  heardAt: number;
  /** When a snapshot was last asked of it (cleared when one arrives). */
  askedAt?: number;
}

/**
 * Per other member: its run (one per process start), the last sequence number seen, when it was
 * last heard from. Forgotten runs are remembered for a short while, so a message still in flight
 * from a member that left cannot bring its users back.
 */
export class PresencePeers {
  private readonly peers = new Map<string, Peer>();
  /** `${member} ${run}` -> until when its messages are ignored. */
  private readonly forgotten = new Map<string, number>();

  constructor(private readonly options: { resyncMs: number; forgetMs: number }) {}

  admit(from: string, run: string, seq: number, now: number): Admission {
    if (this.isForgotten(from, run, now)) return "stale";
    const peer = this.peers.get(from);
    if (!peer || peer.run !== run) {
      this.peers.set(from, { run, seq, heardAt: now });
      return "new-run";
    }
    if (seq <= peer.seq) return "stale";
    const admission = seq === peer.seq + 1 ? "next" : "gap";
    peer.seq = seq;
    peer.heardAt = now;
    return admission;
  }

  /** A snapshot was applied: no need to ask again. */
  synced(from: string): void {
    const peer = this.peers.get(from);
    if (peer) peer.askedAt = undefined;
  }

  /** A sign of life that carries no state (a request). */
  heard(from: string, run: string, now: number): void {
    const peer = this.peers.get(from);
    if (peer?.run === run) peer.heardAt = now;
  }

  /** True when a snapshot should be asked of `from` now (at most one per resyncMs and member). */
  shouldAsk(from: string, now: number): boolean {
    const peer = this.peers.get(from);
    if (!peer) return false;
    if (peer.askedAt !== undefined && now - peer.askedAt < this.options.resyncMs) return false;
    peer.askedAt = now;
    return true;
  }

  /**
   * Ignores `run` of `member` (default: the run known) for a while. True when that run is the one
   * whose state is held (or none is): the caller drops it. A goodbye of an older run arriving
   * after its successor's first message leaves the successor alone.
   */
  forget(member: string, now: number, run = this.peers.get(member)?.run): boolean {
    if (run !== undefined) this.forgotten.set(`${member} ${run}`, now + this.options.forgetMs);
    const known = this.peers.get(member)?.run;
    if (known !== undefined && known !== run) return false;
    this.peers.delete(member);
    return true;
  }

  /** Members not heard from for `silentMs`; also ends expired tombstones. */
  silentSince(now: number, silentMs: number): string[] {
    for (const [key, until] of this.forgotten) if (until <= now) this.forgotten.delete(key);
    return [...this.peers].filter(([, peer]) => now - peer.heardAt > silentMs).map(([member]) => member);
  }

  get size(): number {
    return this.peers.size;
  }

  private isForgotten(member: string, run: string, now: number): boolean {
    const until = this.forgotten.get(`${member} ${run}`);
    return until !== undefined && until > now;
  }
}
