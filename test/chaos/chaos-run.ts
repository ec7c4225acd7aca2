import { Redis } from "ioredis";
import { RingcastRest } from "../../client/rest.ts";
import type { LocalCluster } from "../../server/cli/local-cluster.ts";
import type { LocalSentinel } from "../../server/cli/local-sentinel.ts";
import { redisKeys } from "../../server/redis/keys.ts";
import { redisConnectOptions } from "../../server/redis/redis-target.ts";
import { startLocalRedis } from "../../server/cli/local-redis.ts";
import { eventually } from "../support/clients.ts";
import { closeFleet, connectFleet } from "../support/fleet.ts";
import { FLOOD_LIMITS, spawnGateway } from "../support/processes.ts";
import { buildLargeSchool, seedSchool, startTestCluster, startTestSentinel, TEST_PASSWORD, testGroups, testKeys, testRedisClient } from "../support/redis.ts";
import { ChaosCluster, type ChaosStep } from "./chaos-cluster.ts";
import { allDelivered, buildReport, type ChaosReport } from "./chaos-report.ts";
import { acceptedAgainAfter, CLUSTER_ERROR, ChaosTraffic } from "./chaos-traffic.ts";
import type { ClusterProcess } from "../support/processes.ts";
import { tempDir } from "../support/temp.ts";

export type { ChaosReport } from "./chaos-report.ts";
export type { ChaosStep } from "./chaos-cluster.ts";

export interface ChaosOptions {
  mode: "broadcast" | "hash";
  /** How long traffic flows (s). */
  seconds: number;
  /** The disruptions, applied in this order at even intervals while traffic flows. */
  plan: ChaosStep[];
  /** How long Redis stays down on a "redis" step (ms). */
  redisDownMs: number;
  /** Classes of 30 students, all connected through the gateway. */
  classes: number;
  /** Messages per second (bounded: seconds x rate in all). */
  rate: number;
  /**
   * "sentinel": a primary, a replica and 3 sentinels, members connected through them; "cluster":
   * a Redis Cluster of 3 primaries with a replica each.
   */
  redis?: "single" | "sentinel" | "cluster";
  log?: (line: string) => void;
}

/** Fast leases, so a killed member leaves the ring within seconds. */
// The traffic is steady but far above a classroom's (each teacher sends ~100 class and ~140 direct
// messages a minute at rate 20 with 3 classes): the rate limits are lifted.
const MEMBER_ENV = { ...FLOOD_LIMITS, RINGCAST_LEASE_MS: "2000", RINGCAST_HEARTBEAT_MS: "500", RINGCAST_DRAIN_GRACE_MS: "5000" };
const SETTLE_MS = 30_000;
/** Slots a "reshard" step moves: the run's own slot is among them. */
const RESHARD_SLOTS = 300;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Builds a plan from counts, shuffled. */
export function shuffledPlan(counts: Partial<Record<ChaosStep, number>>): ChaosStep[] {
  const steps = Object.entries(counts).flatMap(([step, n]) => Array<ChaosStep>(n ?? 0).fill(step as ChaosStep));
  for (let i = steps.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [steps[i], steps[j]] = [steps[j]!, steps[i]!];
  }
  return steps;
}

/**
 * A bounded, loopback-only chaos run: a gateway, three members, every student connected with a
 * stock client that resumes from the last id it saw; steady traffic while the plan disrupts the
 * cluster. Counts what the applications saw against what was acknowledged.
 */
export async function runChaos(options: ChaosOptions): Promise<ChaosReport> {
  const log = options.log ?? (() => undefined);
  const sentinel = options.redis === "sentinel" ? await startTestSentinel() : undefined;
  const redisCluster = options.redis === "cluster" ? await startTestCluster() : undefined;
  const redis = sentinel?.nodes[0] ?? redisCluster?.nodes[0] ?? (await startLocalRedis({ dir: tempDir("chaos") }));
  const prefix = redisCluster ? await prefixInFirstSlots(redisCluster, `chaos-${options.mode}`) : `chaos-${options.mode}`;
  const school = buildLargeSchool(options.classes);
  await seedSchool(redis.url, prefix, school);
  // The first log group's slot is among its primary's first slots too: a reshard moves it with the
  // registry's and the directory's, and the shard failover kills the primary that serves them all.
  const slots = redisCluster && { cluster: redisCluster, slotKey: testGroups(redis.url, prefix).keys(0).receipts, reshardSlots: RESHARD_SLOTS };
  const cluster = new ChaosCluster(redis, { mode: options.mode, prefix, redisDownMs: options.redisDownMs, env: MEMBER_ENV, sentinel, redisCluster: slots });
  await Promise.all([1, 2, 3].map(() => cluster.add()));
  const gateway = await spawnGateway({ redisUrl: redis.url, prefix, mode: options.mode });
  const students = school.users.filter((u) => u.role === "student").map((u) => u.id);
  const fleet = await connectFleet(gateway.url, students);
  const epochOf = async () => (sentinel ? ringEpoch(sentinel, prefix) : redisCluster ? ringEpochOn(redis.url, prefix) : undefined);
  const epochBefore = await epochOf();
  log(`  ${cluster.size} members, ${fleet.length} students connected through the gateway`);
  try {
    const api = new RingcastRest(gateway.url);
    const tokens = new Map<string, string>();
    for (const c of school.classes) tokens.set(c.teacherId, (await api.login(c.teacherId, TEST_PASSWORD)).token);
    const traffic = new ChaosTraffic(api, school.classes, tokens, fleet);
    const events: string[] = [];
    const sending = traffic.run(Date.now() + options.seconds * 1000, options.rate);
    const gap = (options.seconds * 800) / (options.plan.length + 1);
    for (const step of options.plan) {
      await sleep(gap);
      const event = `${new Date().toISOString().slice(11, 23)} ${await cluster.apply(step)}`;
      events.push(event);
      log(`  ${event}`);
    }
    await sending;
    const epochAfter = await epochOf();
    log("  traffic stopped; waiting for deliveries to settle");
    await eventually(() => allDelivered(fleet, traffic.acknowledged), SETTLE_MS, 250).catch(() => undefined);
    const acceptedAgainMs = cluster.failovers.map((at) => acceptedAgainAfter(traffic.outcomes, at) ?? -1);
    const ringEpochs = epochBefore === undefined ? undefined : [epochBefore, epochAfter ?? -1];
    const clusterErrors = clusterErrorsIn(traffic.clusterErrors, [...cluster.spawned, gateway]);
    const run = { mode: options.mode, seconds: options.seconds, events, sent: traffic.sent, refused: traffic.refused, acceptedAgainMs, ringEpochs, clusterErrors };
    return buildReport(run, traffic.acknowledged, fleet);
  } finally {
    closeFleet(fleet);
    await Promise.all([gateway.stop(), cluster.stopAll()]);
    await (sentinel ?? redisCluster ?? redis).stop();
  }
}

/** The ring's epoch, read from the primary the sentinels name now: it moves on every membership change. */
async function ringEpoch(sentinel: LocalSentinel, prefix: string): Promise<number> {
  const { options } = redisConnectOptions(sentinel.target, { lazyConnect: true });
  const redis = new Redis(options);
  try {
    await redis.connect();
    return Number(await redis.get(redisKeys(prefix).ringEpoch));
  } finally {
    redis.disconnect();
  }
}

/** The ring's epoch as the tests' own client reads it (a Redis Cluster's: from the slot's primary). */
async function ringEpochOn(url: string, prefix: string): Promise<number> {
  const redis = testRedisClient(url, { lazyConnect: true });
  try {
    await redis.connect();
    return Number(await redis.get(testKeys(url, prefix).ringEpoch));
  } finally {
    redis.disconnect();
  }
}

/** A prefix whose hash tag's slot is among the first RESHARD_SLOTS, which a reshard from its primary moves. */
async function prefixInFirstSlots(cluster: LocalCluster, base: string): Promise<string> {
  for (let i = 0; i < 5000; i++) {
    const prefix = `${base}-${i}`;
    if ((await cluster.slotOf(`{${prefix}}`)).slot < RESHARD_SLOTS) return prefix;
  }
  throw new Error(`no prefix ${base}-<n> hashes to a slot below ${RESHARD_SLOTS}`);
}

/** Pino's debug level: lines above it are what an operator's log shows. */
const DEBUG_LEVEL = 20;

/** Redis Cluster errors users were refused with, and log lines above debug that name one. */
function clusterErrorsIn(refusals: string[], processes: ClusterProcess[]): ChaosReport["clusterErrors"] {
  const lines = processes.flatMap((p) => p.output().split("\n")).filter((line) => CLUSTER_ERROR.test(line) && levelOf(line) > DEBUG_LEVEL);
  return { refusals: refusals.length, logLines: lines.length, samples: [...refusals, ...lines].slice(0, 5) };
}

function levelOf(line: string): number {
  try {
    return Number((JSON.parse(line) as { level?: number }).level ?? 100);
  } catch {
    return 100; // not a log record (a crash's stack trace): counts
  }
}
