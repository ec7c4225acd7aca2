import { TokenService } from "../../server/auth/tokens.ts";
import { HashRing } from "../../server/ring/hash-ring.ts";
import { FLOOD_LIMITS, spawnMember, TOKEN_SECRET } from "../../test/support/processes.ts";
import { seedSchool } from "../../test/support/redis.ts";
import type { SystemOptions, SystemUnderTest } from "./system.ts";

/** Production timings, not the tests' fast ones; rate limits lifted (the workloads saturate on purpose). */
const MEMBER_ENV = { ...FLOOD_LIMITS, RINGCAST_HEARTBEAT_MS: "2000", RINGCAST_LEASE_MS: "6000", LOG_LEVEL: "info" };

/**
 * N ringcast members. Broadcast mode: users spread round-robin. Hash mode: each user connects to
 * its owner, computed with the same ring the members use (what a gateway does, without the hop).
 */
export async function startRingcast(options: SystemOptions, mode: "broadcast" | "hash"): Promise<SystemUnderTest> {
  await seedSchool(options.redisUrl, options.prefix, options.school);
  const ids = Array.from({ length: options.members }, (_, i) => `${mode}-${i + 1}`);
  const env = { ...MEMBER_ENV, RINGCAST_MODE: mode, ...options.env };
  const members = await Promise.all(ids.map((nodeId) => spawnMember({ redisUrl: options.redisUrl, prefix: options.prefix, nodeId, env })));
  const urls = new Map(members.map((m) => [m.nodeId, m.url]));
  const ring = new HashRing(ids);
  const tokens = await issueTokens(options.school);
  const slot = new Map(options.school.users.map((user, i) => [user.id, i % members.length]));
  const urlOf = (userId: string): string =>
    mode === "hash" ? urls.get(ring.owner(userId)!)! : members[slot.get(userId) ?? 0]!.url;
  return {
    kind: mode === "hash" ? "ringcast-hash-durable" : "ringcast-broadcast-durable",
    pids: members.map((m) => m.child.pid!),
    connection: (userId) => {
      const token = tokens.get(userId)!;
      return { url: urlOf(userId), auth: { token }, query: { token } };
    },
    stop: async () => void (await Promise.all(members.map((m) => m.stop()))),
  };
}

async function issueTokens(school: SystemOptions["school"]): Promise<Map<string, string>> {
  const service = new TokenService(TOKEN_SECRET, 3600);
  const entries = await Promise.all(
    school.users.map(async (user) => [user.id, (await service.issue({ userId: user.id, role: user.role })).token] as const),
  );
  return new Map(entries);
}
