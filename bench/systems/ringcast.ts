import { TokenService } from "../../server/auth/tokens.ts";
import { HashRing } from "../../server/ring/hash-ring.ts";
import { type ClusterProcess, FLOOD_LIMITS, OPERATOR_TOKEN, spawnGateway, spawnMember, TOKEN_SECRET } from "../../test/support/processes.ts";
import { seedSchool } from "../../test/support/redis.ts";
import type { SystemKind, SystemOptions, SystemUnderTest } from "./system.ts";

/** Production timings, not the tests' fast ones; rate limits lifted (the workloads saturate on purpose). */
export const MEMBER_ENV = { ...FLOOD_LIMITS, RINGCAST_HEARTBEAT_MS: "2000", RINGCAST_LEASE_MS: "6000", LOG_LEVEL: "info" };
/** How long a new gateway may take to see every member. */
const GATEWAY_SEES_MEMBERS_MS = 15_000;

export interface RingcastShape {
  mode: "broadcast" | "hash";
  /** Clients (and REST) go through one gateway, which picks the member, as stock clients do. */
  gateway?: boolean;
}

/**
 * N ringcast members. Broadcast mode: users spread round-robin. Hash mode: each user connects to
 * its owner, computed with the same ring the members use (what a gateway does, without the hop),
 * or through a real gateway (its CPU counted with the members').
 */
export async function startRingcast(options: SystemOptions, { mode, gateway = false }: RingcastShape): Promise<SystemUnderTest> {
  await seedSchool(options.redisUrl, options.prefix, options.school);
  const ids = Array.from({ length: options.members }, (_, i) => `${mode}-${i + 1}`);
  const env = { ...MEMBER_ENV, RINGCAST_MODE: mode, ...options.env };
  const members = await Promise.all(ids.map((nodeId) => spawnMember({ redisUrl: options.redisUrl, prefix: options.prefix, nodeId, env })));
  const front = gateway ? await startGateway(options, mode, members.length) : undefined;
  const urls = new Map(members.map((m) => [m.nodeId, m.url]));
  const ring = new HashRing(ids);
  const tokens = await issueTokens(options.school);
  const slot = new Map(options.school.users.map((user, i) => [user.id, i % members.length]));
  const urlOf = (userId: string): string =>
    front ? front.url : mode === "hash" ? urls.get(ring.owner(userId)!)! : members[slot.get(userId) ?? 0]!.url;
  const kind: SystemKind = mode === "broadcast" ? "ringcast-broadcast-durable" : gateway ? "ringcast-hash-durable-gateway" : "ringcast-hash-durable";
  return {
    kind,
    pids: [...members, ...(front ? [front] : [])].map((p) => p.child.pid!),
    connection: (userId) => {
      const token = tokens.get(userId)!;
      return { url: urlOf(userId), auth: { token }, query: { token }, rest: { url: urlOf(userId), token } };
    },
    stop: async () => {
      await front?.stop();
      await Promise.all(members.map((m) => m.stop()));
    },
  };
}

/** A gateway in front of the members, once its view of the cluster holds all of them. */
async function startGateway(options: SystemOptions, mode: "broadcast" | "hash", members: number): Promise<ClusterProcess> {
  const gateway = await spawnGateway({ redisUrl: options.redisUrl, prefix: options.prefix, mode, env: { ...FLOOD_LIMITS, ...options.env } });
  const deadline = Date.now() + GATEWAY_SEES_MEMBERS_MS;
  while (Date.now() < deadline) {
    const status = await fetch(`${gateway.url}/gateway/status`, { headers: { authorization: `Bearer ${OPERATOR_TOKEN}` } })
      .then((r) => r.json() as Promise<{ members?: { url?: string }[] }>)
      .catch(() => ({ members: [] }));
    if ((status.members ?? []).filter((m) => m.url).length >= members) return gateway;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  await gateway.stop();
  throw new Error(`the gateway did not see ${members} members within ${GATEWAY_SEES_MEMBERS_MS} ms`);
}

async function issueTokens(school: SystemOptions["school"]): Promise<Map<string, string>> {
  const service = new TokenService(TOKEN_SECRET, 3600);
  const entries = await Promise.all(
    school.users.map(async (user) => [user.id, (await service.issue({ userId: user.id, role: user.role })).token] as const),
  );
  return new Map(entries);
}
