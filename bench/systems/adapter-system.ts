import { fileURLToPath } from "node:url";
import { HashRing } from "../../server/ring/hash-ring.ts";
import { spawnReady } from "../../test/support/processes.ts";
import type { SystemKind, SystemOptions, SystemUnderTest } from "./system.ts";

const ENTRY = fileURLToPath(new URL("./adapter-member.ts", import.meta.url));

export type AdapterKind = "classic" | "sharded" | "ringcast-broadcast" | "ringcast-hash";

const KIND: Record<AdapterKind, SystemKind> = {
  classic: "vanilla",
  sharded: "vanilla-sharded",
  "ringcast-broadcast": "ringcast-broadcast",
  "ringcast-hash": "ringcast-hash",
};

/**
 * N adapter-level members (the same plain-emit app on each adapter). Users are spread over them
 * round-robin (WebSocket only, so no stickiness is needed), or to their owner with the hash adapter.
 */
export async function startAdapterSystem(options: SystemOptions, adapter: AdapterKind): Promise<SystemUnderTest> {
  const ids = Array.from({ length: options.members }, (_, i) => `${adapter}-${i + 1}`);
  const env = (nodeId: string) => ({ REDIS_URL: options.redisUrl, BENCH_KEY: options.prefix, BENCH_ADAPTER: adapter, NODE_ID: nodeId, ...options.env });
  const members = await Promise.all(ids.map((id) => spawnReady(ENTRY, "bench member ready", id, env(id))));
  // Hash mode: let every member's ring view hear about the others before users arrive.
  if (adapter === "ringcast-hash") await new Promise((resolve) => setTimeout(resolve, 1000));
  const classIds = classesByUser(options.school);
  const ring = new HashRing(ids);
  const urls = new Map(members.map((m) => [m.nodeId, m.url]));
  const slot = new Map(options.school.users.map((user, i) => [user.id, i % members.length]));
  const urlOf = (userId: string): string => (adapter === "ringcast-hash" ? urls.get(ring.owner(userId)!)! : members[slot.get(userId) ?? 0]!.url);
  return {
    kind: KIND[adapter],
    pids: members.map((m) => m.child.pid!),
    // REST: the plain server takes the bearer token as the user id (it verifies nothing).
    connection: (userId) => ({ url: urlOf(userId), auth: { userId, classIds: classIds.get(userId) ?? [] }, rest: { url: urlOf(userId), token: userId } }),
    stop: async () => void (await Promise.all(members.map((m) => m.stop()))),
  };
}

/** Class rooms hold students only, as in ringcast, where a class message goes to its students. */
export function classesByUser(school: SystemOptions["school"]): Map<string, string[]> {
  const classIds = new Map<string, string[]>();
  for (const c of school.classes) {
    for (const id of c.studentIds) classIds.set(id, [...(classIds.get(id) ?? []), c.id]);
  }
  return classIds;
}
