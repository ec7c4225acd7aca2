import { fileURLToPath } from "node:url";
import { Redis } from "ioredis";
import { startLocalRedis } from "../server/cli/local-redis.ts";
import { loadConfig } from "../server/config/config.ts";
import { memberEnv } from "../test/support/processes.ts";
import { GeneratorProcess } from "./load/generator-process.ts";
import type { RunResult, Workload } from "./load/protocol.ts";
import { CpuMeter } from "./measure/proc.ts";
import { redisInfo } from "./measure/redis-info.ts";
import { type PrefillSummary, prefillLogs, prefillText } from "./prefill.ts";
import type { Scenario } from "./scenarios.ts";
import { benchSchool, directConversations } from "./school.ts";
import { MEMBER_ENV, startRingcast } from "./systems/ringcast.ts";
import { isDurable, type SystemKind, type SystemOptions, type SystemUnderTest } from "./systems/system.ts";
import { startAdapterSystem } from "./systems/adapter-system.ts";

export interface BenchOptions {
  scenarios: Scenario[];
  systems: SystemKind[];
  memberCounts: number[];
  /** Measured runs per (scenario, system, N); a short warm-up run comes first and is discarded. */
  runs: number;
  seconds: number;
  /** Classes of 30 students (and a teacher each). */
  classes: number;
  log: (line: string) => void;
  /** Write each member's CPU profile (.cpuprofile, via the inspector) under this folder. */
  profileDir?: string;
  /** Fill the durable systems' logs to their cap before measuring them (prefill.ts); undefined: don't. */
  prefill?: { maxEntries: number; maxMs: number };
  /** Direct conversations per class the unicast scenarios send on (school.ts). */
  conversationsPerClass: number;
}

export interface Measurement {
  scenario: string;
  system: SystemKind;
  members: number;
  run: number;
  result: RunResult;
  /** CPU of every member process and redis-server over the run (ms). */
  clusterCpuMs: number;
  /** Of which redis-server's. */
  redisCpuMs: number;
  redisCommands: number;
  /** The same by command name, over the run (the harness's own INFO left out). */
  redisCommandsByName: Record<string, number>;
  /** Microseconds of Redis time by command name over the run (scripts include their inner calls). */
  redisUsecByName: Record<string, number>;
  /** What was in the logs before the system was measured (durable systems with prefill). */
  prefill?: PrefillSummary;
}

const WARM_UP_SECONDS = 2;
/**
 * Before a system's first scenario: sends as fast as it takes them, for 3 s plus 1 s per member.
 * V8 optimizes a function only after it ran often; at 1000 messages/s shared by 8 members each
 * member's code stays half-interpreted for a minute (N=8 costs twice as much in the first 20 s),
 * so without this the table compares warm-up, not steady state.
 */
const systemWarmUp = (members: number): Workload => ({ target: "user", window: 64, durationMs: (3 + members) * 1000, drainMs: 5000 });
const PROFILE_PROBE = fileURLToPath(new URL("./systems/cpu-profile-probe.mjs", import.meta.url));

function startSystem(kind: SystemKind, options: SystemOptions): Promise<SystemUnderTest> {
  if (kind === "ringcast-broadcast-durable") return startRingcast(options, { mode: "broadcast" });
  if (kind === "ringcast-hash-durable") return startRingcast(options, { mode: "hash" });
  if (kind === "ringcast-hash-durable-gateway") return startRingcast(options, { mode: "hash", gateway: true });
  const adapters = { vanilla: "classic", "vanilla-sharded": "sharded", "ringcast-broadcast": "ringcast-broadcast", "ringcast-hash": "ringcast-hash" } as const;
  return startAdapterSystem(options, adapters[kind]);
}

/** Every selected scenario against every system at every N, on one redis-server, loopback only. */
export async function runBench(options: BenchOptions): Promise<Measurement[]> {
  const redis = await startLocalRedis();
  const admin = new Redis(redis.url);
  const school = benchSchool(options.classes);
  const bigRoom = school.classes.at(-1)!;
  const conversations = directConversations(school, options.conversationsPerClass);
  const classes = { regular: school.classes.slice(0, -1), bigRoom, conversations };
  const measurements: Measurement[] = [];
  try {
    for (const members of options.memberCounts) {
      for (const kind of options.systems) {
        await admin.flushall();
        const env = options.profileDir ? { NODE_OPTIONS: `--import=${PROFILE_PROBE}`, BENCH_PROFILE_DIR: `${options.profileDir}/${kind}-N${members}` } : undefined;
        const prefix = `bench-${kind}`;
        const system = await startSystem(kind, { members, redisUrl: redis.url, prefix, school, env });
        const generator = GeneratorProcess.start();
        try {
          // Before anyone connects: sessions start after the tail, so none of it is replayed.
          const prefill = options.prefill && isDurable(kind) ? await prefillLogs(redis.url, prefix, { school, conversations, ...retention(redis.url, prefix), ...options.prefill }) : undefined;
          if (prefill) options.log(`  ${kind} N=${members}: ${prefillText(prefill)}`);
          const users = school.users.map((u) => ({ id: u.id, connection: system.connection(u.id) }));
          const connected = await generator.connect(users, classes);
          if (connected.failed > 0) throw new Error(`${kind}: ${connected.failed} users could not connect`);
          await generator.run(systemWarmUp(members));
          for (const scenario of options.scenarios) {
            await generator.run(scenario.workload(WARM_UP_SECONDS));
            for (let run = 1; run <= options.runs; run++) {
              const measured = await measure(admin, system, generator, scenario, options.seconds, options.profileDir !== undefined);
              measurements.push({ scenario: scenario.name, system: kind, members, run, ...measured, prefill });
              options.log(`  ${scenario.name} ${kind} N=${members} run ${run}: ${summary(measured)}`);
            }
          }
        } finally {
          await generator.close();
          await system.stop();
        }
      }
    }
  } finally {
    admin.disconnect();
    await redis.stop();
  }
  return measurements;
}

/** The retention the members run with: their own configuration, from the environment they get. */
function retention(redisUrl: string, prefix: string): { maxLength: number; maxAgeMs: number } {
  const config = loadConfig({ ...process.env, ...memberEnv({ redisUrl, prefix, nodeId: "bench" }), ...MEMBER_ENV });
  return { maxLength: config.inboxMaxLength, maxAgeMs: config.inboxMaxAgeMs };
}

async function measure(
  admin: Redis,
  system: SystemUnderTest,
  generator: GeneratorProcess,
  scenario: Scenario,
  seconds: number,
  profiling: boolean,
): Promise<{ result: RunResult; clusterCpuMs: number; redisCpuMs: number; redisCommands: number; redisCommandsByName: Record<string, number>; redisUsecByName: Record<string, number> }> {
  if (profiling) for (const pid of system.pids) process.kill(pid, "SIGUSR2"); // start the members' profilers
  const before = await redisInfo(admin);
  const meter = new CpuMeter([...system.pids, before.pid]);
  meter.start();
  const result = await generator.run(scenario.workload(seconds));
  const cpu = meter.stop();
  const after = await redisInfo(admin);
  const clusterCpuMs = [...cpu.values()].reduce((sum, ms) => sum + ms, 0);
  // The two INFO calls themselves are not the system's work.
  const redisCommandsByName = Object.fromEntries(
    Object.entries(after.byCommand)
      .map(([name, calls]) => [name, calls - (before.byCommand[name] ?? 0) - (name === "info" ? 1 : 0)] as const)
      .filter(([, calls]) => calls > 0),
  );
  const redisUsecByName = Object.fromEntries(
    Object.entries(after.usecByCommand)
      .map(([name, usec]) => [name, usec - (before.usecByCommand[name] ?? 0)] as const)
      .filter(([name, usec]) => usec > 0 && name !== "info"),
  );
  return { result, clusterCpuMs, redisCpuMs: cpu.get(before.pid) ?? 0, redisCommands: after.commands - before.commands - 1, redisCommandsByName, redisUsecByName };
}

function summary({ result, clusterCpuMs, redisCpuMs }: { result: RunResult; clusterCpuMs: number; redisCpuMs: number }): string {
  const perSecond = Math.round((result.delivered * 1000) / result.elapsedMs);
  return (
    `${result.acked}/${result.sent} acked, ${result.delivered}/${result.expected} delivered (${perSecond}/s), ` +
    `p50 ${result.latencyP50Ms.toFixed(1)} ms, answer p50 ${(result.ackP50Ms ?? Number.NaN).toFixed(1)} ms, CPU ${Math.round(clusterCpuMs)} ms (Redis ${Math.round(redisCpuMs)}), generator ${Math.round(result.generatorCpuMs)} ms`
  );
}
