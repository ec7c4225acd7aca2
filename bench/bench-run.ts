import { fileURLToPath } from "node:url";
import { loadConfig } from "../server/config/config.ts";
import type { DemoSchool } from "../server/school/demo-school.ts";
import { memberEnv } from "../test/support/processes.ts";
import { GeneratorProcess } from "./load/generator-process.ts";
import type { GeneratorClass, Conversation, RunResult, Workload } from "./load/protocol.ts";
import { CpuMeter, machineCpuMs } from "./measure/proc.ts";
import { commandsOver, type NodeCommands } from "./measure/redis-commands.ts";
import { type PrefillSummary, prefillLogs, prefillText } from "./prefill.ts";
import { type RedisBackend, startBackend, type Topology } from "./redis-backend.ts";
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
  /** Each system is measured on each of these (runs alternating between them), with the same members and clients. */
  redis: Topology[];
}

export interface Measurement {
  scenario: string;
  system: SystemKind;
  members: number;
  /** The Redis it ran against; unset (older runs' JSON, hand-made figures): one redis-server. */
  redis?: Topology;
  run: number;
  result: RunResult;
  /** CPU of every member process and redis-server over the run (ms). */
  clusterCpuMs: number;
  /** Of which redis-server's (on a Redis Cluster: every node's, replicas included). */
  redisCpuMs: number;
  /** total_commands_processed over the run, summed over the primaries. */
  redisCommands: number;
  /** The same by command name, over the run (the harness's own INFO left out). */
  redisCommandsByName: Record<string, number>;
  /** Microseconds of Redis time by command name over the run (scripts include their inner calls). */
  redisUsecByName: Record<string, number>;
  /** Per primary (the one on a single Redis): INFO commandstats calls and CPU over the run; unset in older runs. */
  redisNodes?: NodeCommands[];
  /** The whole machine over the run (/proc/stat, ms summed over cores): busy, and stolen by the hypervisor. */
  machineCpuMs?: { busy: number; steal: number };
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

/** The school's users, classes and conversations, the same for every system and Redis. */
interface Cohort {
  school: DemoSchool;
  classes: { regular: GeneratorClass[]; bigRoom: GeneratorClass; conversations: Conversation[] };
}

/**
 * Every selected scenario against every system at every N, on each selected Redis (one
 * redis-server, a Redis Cluster), loopback only.
 */
export async function runBench(options: BenchOptions): Promise<Measurement[]> {
  const school = benchSchool(options.classes);
  const conversations = directConversations(school, options.conversationsPerClass);
  const cohort = { school, classes: { regular: school.classes.slice(0, -1), bigRoom: school.classes.at(-1)!, conversations } };
  const backends: RedisBackend[] = [];
  const measurements: Measurement[] = [];
  try {
    for (const topology of options.redis) backends.push(await startBackend(topology));
    for (const members of options.memberCounts) {
      for (const kind of options.systems) {
        // The plain-emit systems' members connect with REDIS_URL only (adapter-member.ts).
        const usable = backends.filter((b) => b.topology === "single" || isDurable(kind));
        for (const skipped of backends.filter((b) => !usable.includes(b))) options.log(`  ${kind} N=${members}: not measured on the ${skipped.topology} (its members take one Redis URL)`);
        if (usable.length > 0) measurements.push(...(await measureSystem(options, usable, kind, members, cohort)));
      }
    }
  } finally {
    for (const backend of backends) await backend.stop();
  }
  return measurements;
}

/** One system at one N, running on one Redis, with its own clients. */
interface Deployment {
  backend: RedisBackend;
  system: SystemUnderTest;
  generator: GeneratorProcess;
  prefill?: PrefillSummary;
  label: string;
}

/**
 * One system at one N on each Redis given: each deployment is started, prefilled, connected and
 * warmed up, then every scenario's runs alternate between them (run 1 on each, then run 2...), so
 * a noisy minute of this shared machine lands on both, not on one topology's runs only.
 */
async function measureSystem(options: BenchOptions, backends: RedisBackend[], kind: SystemKind, members: number, cohort: Cohort): Promise<Measurement[]> {
  const deployments: Deployment[] = [];
  const measurements: Measurement[] = [];
  try {
    for (const backend of backends) deployments.push(await deploy(options, backend, kind, members, cohort));
    for (const scenario of options.scenarios) {
      for (const { generator } of deployments) await generator.run(scenario.workload(WARM_UP_SECONDS));
      for (let run = 1; run <= options.runs; run++) {
        for (const { backend, system, generator, prefill, label } of deployments) {
          const measured = await measure(backend, system, generator, scenario, options.seconds, options.profileDir !== undefined);
          measurements.push({ scenario: scenario.name, system: kind, members, redis: backend.topology, run, ...measured, prefill });
          options.log(`  ${scenario.name} ${label} run ${run}: ${summary(measured)}`);
        }
      }
    }
  } finally {
    for (const { generator, system } of deployments) {
      await generator.close();
      await system.stop();
    }
  }
  return measurements;
}

/** Starts the system on an emptied Redis, fills its logs, connects every user and warms it up. */
async function deploy(options: BenchOptions, backend: RedisBackend, kind: SystemKind, members: number, { school, classes }: Cohort): Promise<Deployment> {
  await backend.flush();
  const env = options.profileDir ? { NODE_OPTIONS: `--import=${PROFILE_PROBE}`, BENCH_PROFILE_DIR: `${options.profileDir}/${kind}-N${members}${backend.topology === "single" ? "" : `-${backend.topology}`}` } : undefined;
  const prefix = `bench-${kind}`;
  const label = `${kind} N=${members}${on(backend)}`;
  const system = await startSystem(kind, { members, redisUrl: backend.url, prefix, school, env });
  const generator = GeneratorProcess.start();
  try {
    // Before anyone connects: sessions start after the tail, so none of it is replayed.
    const plan = { school, conversations: classes.conversations, ...retention(backend.url, prefix) };
    const prefill = options.prefill && isDurable(kind) ? await prefillLogs(backend.url, prefix, { ...plan, ...options.prefill }) : undefined;
    if (prefill) options.log(`  ${label}: ${prefillText(prefill)}`);
    const users = school.users.map((u) => ({ id: u.id, connection: system.connection(u.id) }));
    const connected = await generator.connect(users, classes);
    if (connected.failed > 0) throw new Error(`${label}: ${connected.failed} users could not connect`);
    await generator.run(systemWarmUp(members));
    return { backend, system, generator, prefill, label };
  } catch (error) {
    await generator.close();
    await system.stop();
    throw error;
  }
}

/** Nothing for one Redis (so the default run's output is as before), " on the cluster" otherwise. */
const on = (backend: RedisBackend): string => (backend.topology === "single" ? "" : ` on the ${backend.topology}`);

/** The retention the members run with: their own configuration, from the environment they get. */
function retention(redisUrl: string, prefix: string): { maxLength: number; maxAgeMs: number } {
  const config = loadConfig({ ...process.env, ...memberEnv({ redisUrl, prefix, nodeId: "bench" }), ...MEMBER_ENV });
  return { maxLength: config.inboxMaxLength, maxAgeMs: config.inboxMaxAgeMs };
}

type Measured = Pick<Measurement, "result" | "clusterCpuMs" | "redisCpuMs" | "redisCommands" | "redisCommandsByName" | "redisUsecByName" | "redisNodes" | "machineCpuMs">;

async function measure(backend: RedisBackend, system: SystemUnderTest, generator: GeneratorProcess, scenario: Scenario, seconds: number, profiling: boolean): Promise<Measured> {
  if (profiling) for (const pid of system.pids) process.kill(pid, "SIGUSR2"); // start the members' profilers
  // Asked before the window: finding the primaries takes commands of its own (CLUSTER NODES).
  const primaries = await backend.primaries();
  const before = await backend.info(primaries);
  const redisPids = backend.pids();
  const meter = new CpuMeter([...system.pids, ...redisPids]);
  const machineBefore = machineCpuMs();
  meter.start();
  const result = await generator.run(scenario.workload(seconds));
  const cpu = meter.stop();
  const machineAfter = machineCpuMs();
  const after = await backend.info(primaries);
  const cpuOf = (pid: number | undefined): number => (pid === undefined ? 0 : (cpu.get(pid) ?? 0));
  const clusterCpuMs = [...cpu.values()].reduce((sum, ms) => sum + ms, 0);
  const redisCpuMs = redisPids.reduce((sum, pid) => sum + cpuOf(pid), 0);
  const commands = commandsOver(before, after, (port) => cpuOf(backend.pidOf(port)));
  return { result, clusterCpuMs, redisCpuMs, redisCommands: commands.total, redisCommandsByName: commands.byName, redisUsecByName: commands.usecByName, redisNodes: commands.nodes,
    machineCpuMs: { busy: machineAfter.busy - machineBefore.busy, steal: machineAfter.steal - machineBefore.steal },
  };
}

function summary({ result, clusterCpuMs, redisCpuMs }: { result: RunResult; clusterCpuMs: number; redisCpuMs: number }): string {
  const perSecond = Math.round((result.delivered * 1000) / result.elapsedMs);
  return (
    `${result.acked}/${result.sent} acked, ${result.delivered}/${result.expected} delivered (${perSecond}/s), ` +
    `p50 ${result.latencyP50Ms.toFixed(1)} ms, answer p50 ${(result.ackP50Ms ?? Number.NaN).toFixed(1)} ms, CPU ${Math.round(clusterCpuMs)} ms (Redis ${Math.round(redisCpuMs)}), generator ${Math.round(result.generatorCpuMs)} ms`
  );
}
