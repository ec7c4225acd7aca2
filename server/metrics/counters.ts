/**
 * What the message path did since the process started, as plain numbers the components bump
 * (no metrics library on the hot path); the metrics registry reads them when it is scraped.
 */
export interface MessageCounters {
  /** Messages accepted (stored and acknowledged), by target kind. */
  sent: { user: number; class: number };
  /** Messages sent to a socket (live or replayed). */
  delivered: number;
  /** Of those, the ones sent by the first read after a socket connected (a replay from its last id). */
  replayed: number;
  /** Requests and socket events refused, by error code (rate_limited, forbidden, service_unavailable, ...). */
  refused: Map<string, number>;
}

export function emptyMessageCounters(): MessageCounters {
  return { sent: { user: 0, class: 0 }, delivered: 0, replayed: 0, refused: new Map() };
}

/** The totals a heartbeat carries (for the operators' Cluster page). */
export function messageTotals(counters: MessageCounters): { sent: number; delivered: number; refused: Record<string, number> } {
  return { sent: counters.sent.user + counters.sent.class, delivered: counters.delivered, refused: Object.fromEntries(counters.refused) };
}

export function countRefusal(counters: MessageCounters | undefined, code: string): void {
  if (counters) counters.refused.set(code, (counters.refused.get(code) ?? 0) + 1);
}
