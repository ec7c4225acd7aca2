import { fileURLToPath } from "node:url";
import { spawnReady } from "../../test/support/processes.ts";
import type { SystemOptions, SystemUnderTest } from "./system.ts";

const ENTRY = fileURLToPath(new URL("./vanilla-member.ts", import.meta.url));

/** N stock socket.io members; users are spread over them round-robin (WebSocket only, no stickiness needed). */
export async function startVanilla(options: SystemOptions, adapter: "classic" | "sharded"): Promise<SystemUnderTest> {
  const env = { REDIS_URL: options.redisUrl, BENCH_KEY: options.prefix, BENCH_ADAPTER: adapter };
  const members = await Promise.all(
    Array.from({ length: options.members }, (_, i) => spawnReady(ENTRY, "vanilla ready", `vanilla-${i + 1}`, env)),
  );
  const classIds = classesByUser(options.school);
  const slot = new Map(options.school.users.map((user, i) => [user.id, i % members.length]));
  return {
    kind: adapter === "classic" ? "vanilla" : "vanilla-sharded",
    pids: members.map((m) => m.child.pid!),
    connection: (userId) => ({
      url: members[slot.get(userId) ?? 0]!.url,
      auth: { userId, classIds: classIds.get(userId) ?? [] },
    }),
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
