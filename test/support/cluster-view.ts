import { type ClusterView, RingcastRest } from "../../client/rest.ts";
import { eventually } from "./clients.ts";

/**
 * /api/cluster once every member has heartbeated after `since`: member socket counts and adapter
 * counters travel with heartbeats, so only then do they include everything done before `since`.
 */
export async function settledClusterView(url: string, token: string, since = Date.now()): Promise<ClusterView> {
  const api = new RingcastRest(url);
  let view: ClusterView | undefined;
  await eventually(async () => {
    view = await api.cluster(token);
    return view.members.every((m) => Date.parse(m.lastHeartbeatAt) > since + 20);
  }, 5000, 50);
  return view!;
}

export type CounterField = "received" | "deliveredLocally" | "published";

/** Per-member change of one adapter counter between two views of the same members. */
export function counterDelta(before: ClusterView, after: ClusterView, field: CounterField): number[] {
  return after.members.map((m, i) => (m.adapter?.[field] ?? 0) - (before.members[i]!.adapter?.[field] ?? 0));
}
