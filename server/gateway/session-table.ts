/**
 * Which member holds each Engine.IO session (sid), so every later request of a session (polling,
 * upgrade) goes back to it. Idle entries expire; entries of departed members are dropped.
 */
export class SessionTable {
  private readonly sessions = new Map<string, { memberUrl: string; lastSeen: number }>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(private readonly idleMs = 120_000) {
    this.sweeper = setInterval(() => this.sweep(), Math.min(idleMs, 30_000));
    this.sweeper.unref();
  }

  remember(sid: string, memberUrl: string): void {
    this.sessions.set(sid, { memberUrl, lastSeen: Date.now() });
  }

  /** The member holding `sid`, refreshing its idle clock. */
  lookup(sid: string): string | undefined {
    const entry = this.sessions.get(sid);
    if (!entry) return undefined;
    entry.lastSeen = Date.now();
    return entry.memberUrl;
  }

  /** Forgets every session of members no longer live. */
  retain(liveMemberUrls: ReadonlySet<string>): void {
    for (const [sid, entry] of this.sessions) if (!liveMemberUrls.has(entry.memberUrl)) this.sessions.delete(sid);
  }

  get size(): number {
    return this.sessions.size;
  }

  close(): void {
    clearInterval(this.sweeper);
    this.sessions.clear();
  }

  private sweep(): void {
    const cutoff = Date.now() - this.idleMs;
    for (const [sid, entry] of this.sessions) if (entry.lastSeen < cutoff) this.sessions.delete(sid);
  }
}
