import { fileURLToPath } from "node:url";
import { Redis } from "ioredis";
import { RingcastRest } from "../client/rest.ts";
import { TokenService } from "../server/auth/tokens.ts";
import { startLocalRedis } from "../server/cli/local-redis.ts";
import { HashRing } from "../server/ring/hash-ring.ts";
import { type ClusterProcess, FLOOD_LIMITS, spawnGateway, spawnMember, TOKEN_SECRET } from "../test/support/processes.ts";
import { buildLargeSchool, seedSchool } from "../test/support/redis.ts";
import { GeneratorProcess } from "./load/generator-process.ts";
import { cpuMs } from "./measure/proc.ts";
import { redisInfo } from "./measure/redis-info.ts";
import { quantile } from "./measure/stats.ts";

export const DISRUPTIONS = ["rebalance-moved", "rebalance-all", "failover"] as const;
export type Disruption = (typeof DISRUPTIONS)[number];

export interface DisruptionRow {
  scenario: Disruption;
  users: number;
  /** Users whose owner changed (rebalance) or who were on the killed member (failover). */
  affected: number;
  /** Users whose connection dropped. */
  disconnected: number;
  /** Users that got the probe within the timeout. */
  reached: number;
  /** From the join (member ready) or the kill to each user's probe arrival, ms. */
  probeP50Ms: number;
  probeP99Ms: number;
  probeMaxMs: number;
  /** The timeline of the users that dropped, ms from the same start: their drop, first attempt to reconnect, return. */
  dropP50Ms: number;
  dropMaxMs: number;
  attemptP50Ms: number;
  attemptMaxMs: number;
  returnP50Ms: number;
  returnMaxMs: number;
  /** Connection attempts refused while users came back. */
  refusals: number;
  /** When the probes (one class message per class, durable) were accepted, ms from the same start. */
  probesAcceptedP50Ms: number;
  probesAcceptedLastMs: number;
  /** CPU used from the join or kill until every user had the probe, by role (ms; the machine has 2 cores). */
  cpuMs: Record<CpuRole, number>;
  /** That window, ms. */
  windowMs: number;
}

type CpuRole = "members" | "gateways" | "clients" | "redis";

const MEMBERS = ["m1", "m2", "m3", "m4"];
const PROFILE_PROBE = fileURLToPath(new URL("./systems/cpu-profile-probe.mjs", import.meta.url));
/** One per gateway: generator i connects its users through gateway i. */
const GENERATORS = 2;
const WATCH_TIMEOUT_MS = 30_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Hash mode, `users` students on 4 members behind a gateway, stock clients that reconnect and
 * resume by themselves. rebalance: a 5th member joins (strategy moved, then all); failover: one
 * member is killed (-9). Right after, every class gets a probe message; each user's time to it counts.
 */
export async function runDisruptions(options: { users: number; which: Disruption[]; profileDir?: string; log: (line: string) => void }): Promise<DisruptionRow[]> {
  const redis = await startLocalRedis();
  const admin = new Redis(redis.url);
  const school = buildLargeSchool(Math.ceil(options.users / 30));
  const students = school.users.filter((u) => u.role === "student").map((u) => u.id);
  const tokens = new TokenService(TOKEN_SECRET, 3600);
  const rows: DisruptionRow[] = [];
  try {
    for (const scenario of options.which) {
      await admin.flushall();
      const prefix = `disruption-${scenario}`;
      await seedSchool(redis.url, prefix, school);
      // Profiled: every member and gateway writes a .cpuprofile of the disruption window.
      const profiling: Record<string, string> = options.profileDir ? { NODE_OPTIONS: `--import=${PROFILE_PROBE}`, BENCH_PROFILE_DIR: `${options.profileDir}/${scenario}` } : {};
      const env = { ...FLOOD_LIMITS, RINGCAST_MODE: "hash", RINGCAST_REBALANCE: scenario === "rebalance-all" ? "all" : "moved", RINGCAST_HEARTBEAT_MS: "1000", RINGCAST_LEASE_MS: "3000", ...profiling };
      const members = new Map<string, ClusterProcess>();
      for (const id of MEMBERS) members.set(id, await spawnMember({ redisUrl: redis.url, prefix, nodeId: id, env }));
      // A proxied connection holds two file descriptors at the gateway; two gateways keep each under
      // the per-process limit (20,000 here) with 10,000 users.
      const gateways = await Promise.all([1, 2].map(() => spawnGateway({ redisUrl: redis.url, prefix, mode: "hash", env: { ...FLOOD_LIMITS, ...profiling } })));
      const generators = Array.from({ length: GENERATORS }, () => GeneratorProcess.start());
      try {
        const share = Math.ceil(students.length / GENERATORS);
        await Promise.all(
          generators.map(async (g, i) => {
            const users = await Promise.all(
              students.slice(i * share, (i + 1) * share).map(async (id) => {
                const token = (await tokens.issue({ userId: id, role: "student" })).token;
                return { id, connection: { url: gateways[i]!.url, auth: { token }, query: { token }, reconnect: true } };
              }),
            );
            const connected = await g.connect(users, { regular: [], bigRoom: school.classes[0]! });
            if (connected.failed > 0) throw new Error(`${scenario}: ${connected.failed} users could not connect`);
          }),
        );
        await sleep(2000);
        await Promise.all(generators.map((g) => g.mark()));
        const redisPid = (await redisInfo(admin)).pid;
        const { since, affected } = await disrupt(scenario, members, students, { redisUrl: redis.url, prefix, env });
        if (options.profileDir) for (const p of [...members.values(), ...gateways]) p.child.kill("SIGUSR2");
        const cpu = new RoleCpu();
        cpu.add("redis", redisPid);
        for (const m of members.values()) cpu.add("members", m.child.pid!);
        for (const g of gateways) cpu.add("gateways", g.child.pid!);
        for (const g of generators) cpu.add("clients", g.pid);
        const accepted = (await sendProbes(gateways[0]!.url, school.classes, tokens, `probe-${scenario}`)).map((at) => at - since).sort((a, b) => a - b);
        const results = await Promise.all(generators.map((g) => g.watch(`probe-${scenario}`, since, WATCH_TIMEOUT_MS)));
        const cpuByRole = cpu.used();
        const windowMs = Date.now() - since;
        const sorted = (pick: (r: (typeof results)[number]) => number[]): number[] => results.flatMap(pick).sort((a, b) => a - b);
        const times = sorted((r) => r.times);
        const drops = sorted((r) => r.dropTimes);
        const attempts = sorted((r) => r.attemptTimes);
        const returns = sorted((r) => r.returnTimes);
        const row: DisruptionRow = {
          scenario,
          users: results.reduce((sum, r) => sum + r.users, 0),
          affected,
          disconnected: results.reduce((sum, r) => sum + r.disconnected, 0),
          reached: times.length,
          probeP50Ms: quantile(times, 0.5),
          probeP99Ms: quantile(times, 0.99),
          probeMaxMs: times.at(-1) ?? Number.NaN,
          dropP50Ms: quantile(drops, 0.5),
          dropMaxMs: drops.at(-1) ?? Number.NaN,
          attemptP50Ms: quantile(attempts, 0.5),
          attemptMaxMs: attempts.at(-1) ?? Number.NaN,
          returnP50Ms: quantile(returns, 0.5),
          returnMaxMs: returns.at(-1) ?? Number.NaN,
          refusals: results.reduce((sum, r) => sum + r.refusals, 0),
          probesAcceptedP50Ms: quantile(accepted, 0.5),
          probesAcceptedLastMs: accepted.at(-1) ?? Number.NaN,
          cpuMs: cpuByRole,
          windowMs,
        };
        rows.push(row);
        options.log(`  ${scenario}: ${row.disconnected} disconnected / ${row.affected} affected, ${row.reached}/${row.users} reached, max ${Math.round(row.probeMaxMs)} ms`);
        const [before, after] = [new HashRing(MEMBERS), new HashRing([...members.keys()])];
        for (const line of results.flatMap((r) => r.missing)) {
          const id = line.split(" ")[0]!;
          options.log(`    without the probe: ${line}, owner ${before.owner(id)} -> ${after.owner(id)}`);
        }
        // A flap (extra drops) or a miss: show what members and gateways said about the ring.
        if (row.reached < row.users || row.disconnected > row.affected) {
          const processes: [string, ClusterProcess][] = [...members, ...gateways.map((g, i) => [`gateway-${i + 1}`, g] as [string, ClusterProcess])];
          for (const [id, p] of processes) for (const line of p.output().split("\n").filter((l) => /rebalanc|evict|"level":40/i.test(l))) options.log(`    ${id}: ${line.slice(0, 300)}`);
        }
      } finally {
        await Promise.all(generators.map((g) => g.close()));
        await Promise.all(gateways.map((g) => g.stop()));
        await Promise.all([...members.values()].map((m) => m.stop()));
      }
    }
  } finally {
    admin.disconnect();
    await redis.stop();
  }
  return rows;
}

/** CPU per role from add() until used(); a process gone by then is left out. */
class RoleCpu {
  private readonly start = new Map<number, { role: CpuRole; ms: number }>();

  add(role: CpuRole, pid: number): void {
    this.start.set(pid, { role, ms: cpuMs(pid) });
  }

  used(): Record<CpuRole, number> {
    const total: Record<CpuRole, number> = { members: 0, gateways: 0, clients: 0, redis: 0 };
    for (const [pid, { role, ms }] of this.start) total[role] += Math.max(0, cpuMs(pid) - ms);
    return total;
  }
}

/** Joins a 5th member (when it is ready) or kills one; returns when that happened and who it affects. */
async function disrupt(
  scenario: Disruption,
  members: Map<string, ClusterProcess>,
  students: string[],
  spawn: { redisUrl: string; prefix: string; env: Record<string, string> },
): Promise<{ since: number; affected: number }> {
  const before = new HashRing(MEMBERS);
  if (scenario === "failover") {
    const victim = "m2";
    await members.get(victim)!.kill();
    members.delete(victim);
    return { since: Date.now(), affected: students.filter((s) => before.owner(s) === victim).length };
  }
  members.set("m5", await spawnMember({ ...spawn, nodeId: "m5" }));
  const after = new HashRing([...MEMBERS, "m5"]);
  return { since: Date.now(), affected: students.filter((s) => before.owner(s) !== after.owner(s)).length };
}

/**
 * A class message to every class, through the gateway, retried while a member is unreachable;
 * resolves with when each was accepted (epoch ms).
 */
async function sendProbes(gatewayUrl: string, classes: { id: string; teacherId: string }[], tokens: TokenService, body: string): Promise<number[]> {
  const rest = new RingcastRest(gatewayUrl);
  return Promise.all(
    classes.map(async (c) => {
      const token = (await tokens.issue({ userId: c.teacherId, role: "teacher" })).token;
      for (let attempt = 0; attempt < 50; attempt++) {
        if (await rest.send(token, { to: { class: c.id }, body }).then(() => true, () => false)) return Date.now();
        await sleep(200);
      }
      throw new Error(`probe to ${c.id} was never accepted`);
    }),
  );
}
