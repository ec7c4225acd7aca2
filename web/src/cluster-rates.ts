import type { ClusterMember } from "../../protocol/index.ts";

/** How far back "recent refusals" reach. */
const RECENT_MS = 60_000;

interface Snapshot {
  at: number;
  sent: number;
  delivered: number;
  refused: Record<string, number>;
}

/**
 * Rates from the members' heartbeat counters: each refresh compares a member's totals with its
 * previous heartbeat's. Refusals are kept for a minute, by error code, over every member.
 */
export class ClusterRates {
  private readonly last = new Map<string, Snapshot>();
  private readonly refusals: { at: number; code: string; count: number }[] = [];

  /** Per member: messages sent and delivered per second since its previous heartbeat. */
  update(members: ClusterMember[], now = Date.now()): Map<string, { sent: number; delivered: number }> {
    const rates = new Map<string, { sent: number; delivered: number }>();
    for (const member of members) {
      if (!member.messages) continue;
      const snapshot: Snapshot = { at: Date.parse(member.lastHeartbeatAt), ...member.messages };
      const before = this.last.get(member.id);
      if (before && snapshot.at > before.at) {
        const seconds = (snapshot.at - before.at) / 1000;
        rates.set(member.id, { sent: (snapshot.sent - before.sent) / seconds, delivered: (snapshot.delivered - before.delivered) / seconds });
        for (const [code, total] of Object.entries(snapshot.refused)) {
          const count = total - (before.refused[code] ?? 0);
          if (count > 0) this.refusals.push({ at: now, code, count });
        }
      } else if (before) rates.set(member.id, { sent: 0, delivered: 0 });
      if (!before || snapshot.at > before.at) this.last.set(member.id, snapshot);
    }
    while (this.refusals.length > 0 && now - this.refusals[0]!.at > RECENT_MS) this.refusals.shift();
    return rates;
  }

  /** Refusals over the last minute, by error code, most first. */
  recentRefusals(): [string, number][] {
    const byCode = new Map<string, number>();
    for (const { code, count } of this.refusals) byCode.set(code, (byCode.get(code) ?? 0) + count);
    return [...byCode].sort((a, b) => b[1] - a[1]);
  }
}
