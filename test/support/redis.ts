import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import { type AppendFsync, type LocalRedis, startLocalRedis } from "../../server/cli/local-redis.ts";
import { type LocalSentinel, type LocalSentinelOptions, startLocalSentinel } from "../../server/cli/local-sentinel.ts";
import { markDataset } from "../../server/redis/dataset-marker.ts";
import { redisKeys } from "../../server/redis/keys.ts";
import { buildDemoSchool, type DemoSchool, loadSchool } from "../../server/school/demo-school.ts";
import { RedisSchoolStore } from "../../server/school/redis-school-store.ts";
import { tempDir } from "./temp.ts";

/** Cheap scrypt for test users: the format and checks are the same, the hashing is fast. */
const TEST_SCRYPT = { N: 1024, r: 8, p: 1 };
export const TEST_PASSWORD = "correct-horse-battery";

let shared: Promise<LocalRedis> | undefined;
/** What product processes get instead of REDIS_URL=<url>, for a URL that is not a plain Redis. */
const productEnv = new Map<string, Record<string, string>>();

/**
 * RINGCAST_TEST_REDIS: the topology the suites run against, "single" (default) or "sentinel"
 * (a primary, a replica and 3 sentinels; members, gateways and CLIs connect through the sentinels).
 */
export function testTopology(): "single" | "sentinel" {
  const value = process.env.RINGCAST_TEST_REDIS ?? "single";
  if (value !== "single" && value !== "sentinel") throw new Error(`RINGCAST_TEST_REDIS must be single or sentinel (got "${value}")`);
  return value;
}

/**
 * One real Redis for the whole run, on free ports (suites keep apart by key prefix). Its `url`
 * is always the primary as started, for the tests' own reads; product processes connect by
 * redisEnv(url), which names the sentinels in the sentinel topology.
 */
export function sharedRedis(): Promise<LocalRedis> {
  shared ??= testTopology() === "sentinel" ? startTestSentinel().then((topology) => topology.nodes[0]!) : startLocalRedis();
  return shared;
}

/**
 * A Sentinel topology of the tests' own: from now on, product processes given the first
 * primary's URL connect through the sentinels instead (so they follow a failover).
 */
export async function startTestSentinel(options: Omit<LocalSentinelOptions, "dir"> = {}): Promise<LocalSentinel> {
  const topology = await startLocalSentinel({ dir: tempDir("sentinel"), ...options });
  const url = topology.nodes[0]!.url;
  productEnv.set(url, topology.env);
  // Once stopped, its port may serve another test Redis, which must not be routed to dead sentinels.
  return { ...topology, stop: () => topology.stop().finally(() => productEnv.delete(url)) };
}

/** The environment that points a member, gateway or CLI at the Redis the tests know as `url`. */
export function redisEnv(url: string): Record<string, string> {
  return productEnv.get(url) ?? { REDIS_URL: url };
}

/**
 * A redis-server of its own, with a dump dir so stop({ save: true }) + restart() keeps the data.
 * With `appendFsync`, append-only persistence is on, so even kill() + restart() keeps what the
 * chosen fsync policy promises (the shared Redis stays without persistence, for speed).
 */
export function privateRedis(options: { appendFsync?: AppendFsync } = {}): Promise<LocalRedis> {
  return startLocalRedis({ dir: tempDir("redis"), appendFsync: options.appendFsync });
}

export function uniquePrefix(suite: string): string {
  return `test-${suite}-${randomBytes(4).toString("hex")}`;
}

/** A school of `classes` classes of 30 (students u000, u001, ...), teacher t-<n> for class c-<n>. */
export function buildLargeSchool(classes: number): DemoSchool {
  const school: DemoSchool = { users: [], classes: [] };
  for (let c = 0; c < classes; c++) {
    school.users.push({ id: `t-${c}`, name: `Teacher ${c}`, role: "teacher" });
    const studentIds = Array.from({ length: 30 }, (_, i) => `u${String(c * 30 + i).padStart(3, "0")}`);
    for (const id of studentIds) school.users.push({ id, name: `Student ${id}`, role: "student" });
    school.classes.push({ id: `c-${c}`, name: `Class ${c}`, teacherId: `t-${c}`, studentIds });
  }
  return school;
}

/**
 * Loads the demo school (math-7a: s001-s030; s031-s060 in grade 8), or `school`, under `prefix`,
 * and marks the dataset (as a seeding member does), so members can tell if Redis later loses it.
 */
export async function seedSchool(redisUrl: string, prefix: string, school: DemoSchool = buildDemoSchool()): Promise<void> {
  const redis = new Redis(redisUrl, { lazyConnect: true });
  try {
    await redis.connect();
    await loadSchool(new RedisSchoolStore(redis, redisKeys(prefix)), school, TEST_PASSWORD, TEST_SCRYPT);
    await markDataset(redis, prefix);
  } finally {
    redis.disconnect();
  }
}
