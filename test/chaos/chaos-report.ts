import { compareIds } from "../../server/inbox/inbox.ts";
import type { FleetUser } from "../support/fleet.ts";
import type { Acknowledged } from "./chaos-traffic.ts";

export interface ChaosReport {
  mode: string;
  seconds: number;
  events: string[];
  sent: number;
  acknowledged: number;
  /** Sends refused (503, ack error) or unanswered: never acknowledged, so never owed. */
  refused: number;
  /** Acknowledged messages times their recipients. */
  expectedDeliveries: number;
  /** Of those, how many reached the recipient's application. */
  delivered: number;
  /** Messages the application saw more than once. */
  duplicates: number;
  /** Messages the application saw after a newer one. */
  outOfOrder: number;
  lost: number;
  /** Up to 10 acknowledged deliveries that never arrived, for diagnosis. */
  lostSamples: string[];
  /** Per Redis primary killed: ms until the first send started after the kill was acknowledged (-1: none was). */
  acceptedAgainMs?: number[];
  /** With sentinels or a Redis Cluster: the ring epoch before the first disruption and after the traffic (equal: no membership change). */
  ringEpochs?: number[];
  /** Redis Cluster errors (CROSSSLOT, MOVED, ASK) in refusals users got or in member and gateway logs above debug. */
  clusterErrors: { refusals: number; logLines: number; samples: string[] };
}

export function expectedByUser(acknowledged: Acknowledged[]): Map<string, Set<string>> {
  const expected = new Map<string, Set<string>>();
  for (const { body, recipients } of acknowledged) {
    for (const user of recipients) expected.set(user, (expected.get(user) ?? new Set()).add(body));
  }
  return expected;
}

export function allDelivered(fleet: FleetUser[], acknowledged: Acknowledged[]): boolean {
  const expected = expectedByUser(acknowledged);
  return fleet.every((u) => {
    const got = new Set(u.inbox.messages.map((m) => m.body));
    return [...(expected.get(u.id) ?? [])].every((body) => got.has(body));
  });
}

export function buildReport(
  run: { mode: string; seconds: number; events: string[]; sent: number; refused: number; acceptedAgainMs?: number[]; ringEpochs?: number[]; clusterErrors: ChaosReport["clusterErrors"] },
  acknowledged: Acknowledged[],
  fleet: FleetUser[],
): ChaosReport {
  const expected = expectedByUser(acknowledged);
  const totals = { expectedDeliveries: 0, delivered: 0, duplicates: 0, outOfOrder: 0 };
  const lostSamples: string[] = [];
  for (const user of fleet) {
    // Ids give the order (each user's increase); bodies, unique per send, tell which send it is.
    const ids = user.inbox.messages.map((m) => m.id);
    const bodies = user.inbox.messages.map((m) => m.body);
    const seen = new Set(bodies);
    totals.duplicates += bodies.length - seen.size;
    totals.outOfOrder += ids.filter((id, i) => i > 0 && compareIds(ids[i - 1]!, id) >= 0).length;
    const wanted = expected.get(user.id) ?? new Set<string>();
    const missing = [...wanted].filter((body) => !seen.has(body));
    totals.expectedDeliveries += wanted.size;
    totals.delivered += wanted.size - missing.length;
    for (const body of missing) lostSamples.push(`${user.id} "${body}" (member ${user.member ?? "none"}; last drop: ${user.lastDrop ?? "none"})`);
  }
  return {
    ...run,
    acknowledged: acknowledged.length,
    ...totals,
    lost: totals.expectedDeliveries - totals.delivered,
    lostSamples: lostSamples.slice(0, 10),
  };
}
