import { randomBytes } from "node:crypto";
import { Cluster, Redis } from "ioredis";
import { type AppendFsync, type LocalRedis, startLocalRedis } from "../../server/cli/local-redis.ts";
import { type LocalCluster, startLocalCluster } from "../../server/cli/local-cluster.ts";
import { type LocalSentinel, type LocalSentinelOptions, startLocalSentinel } from "../../server/cli/local-sentinel.ts";
import type { RedisClient } from "../../server/redis/connect.ts";
import { parseHostPorts, type RedisTarget, singleRedis } from "../../server/redis/redis-target.ts";
import { claimLogGroups, markDataset } from "../../server/redis/dataset-marker.ts";
import { type RedisKeys, redisKeys, slotPrefix } from "../../server/redis/keys.ts";
import { defaultLogGroups, type LogGroups, logGroups } from "../../server/redis/log-groups.ts";
import { buildDemoSchool, type DemoSchool, loadSchool } from "../../server/school/demo-school.ts";
import { RedisSchoolStore } from "../../server/school/redis-school-store.ts";
import { tempDir } from "./temp.ts";

/** Cheap scrypt for test users: the format and checks are the same, the hashing is fast. */
const TEST_SCRYPT = { N: 1024, r: 8, p: 1 };
export const TEST_PASSWORD = "correct-horse-battery";

let shared: Promise<LocalRedis> | undefined;
/** What product processes get instead of REDIS_URL=<url>, for a URL that is not a plain Redis. */
const productEnv = new Map<string, Record<string, string>>();
/** URLs the tests know a Redis Cluster by (its first node's), with the cluster's seed nodes. */
const clusterSeeds = new Map<string, string[]>();

export type TestTopology = "single" | "sentinel" | "cluster";

/**
 * RINGCAST_TEST_REDIS: the topology the suites run against, "single" (default), "sentinel"
 * (a primary, a replica and 3 sentinels; members, gateways and CLIs connect through the
 * sentinels) or "cluster" (a Redis Cluster of 3 primaries with a replica each).
 */
export function testTopology(): TestTopology {
  const value = process.env.RINGCAST_TEST_REDIS ?? "single";
  if (value !== "single" && value !== "sentinel" && value !== "cluster") throw new Error(`RINGCAST_TEST_REDIS must be single, sentinel or cluster (got "${value}")`);
  return value;
}

/**
 * One real Redis for the whole run, on free ports (suites keep apart by key prefix). Its `url`
 * is always the first node as started; the tests' own clients come from testRedisClient(url)
 * and their keys from testKeys(url, prefix); product processes connect by redisEnv(url), which
 * names the sentinels or the cluster's nodes in those topologies.
 */
export function sharedRedis(): Promise<LocalRedis> {
  const topology = testTopology();
  shared ??= topology === "sentinel" ? startTestSentinel().then((t) => t.nodes[0]!) : topology === "cluster" ? startTestCluster().then((c) => c.nodes[0]!) : startLocalRedis();
  return shared;
}

/** A Redis Cluster of the tests' own: from now on its first node's URL stands for the whole cluster. */
export async function startTestCluster(): Promise<LocalCluster> {
  const cluster = await startLocalCluster({ dir: tempDir("cluster") });
  const url = cluster.nodes[0]!.url;
  productEnv.set(url, cluster.env);
  clusterSeeds.set(url, cluster.seeds);
  return {
    ...cluster,
    stop: () =>
      cluster.stop().finally(() => {
        productEnv.delete(url);
        clusterSeeds.delete(url);
      }),
  };
}

/**
 * A client for the tests' own reads, writes and subscriptions on the Redis known as `url` (a
 * Cluster client, subscribing sharded, for a cluster). Connects at once unless `lazyConnect`.
 */
export function testRedisClient(url: string, options: { lazyConnect?: boolean } = {}): RedisClient {
  const target = testTarget(url);
  if (target.kind !== "cluster") return new Redis(url, { lazyConnect: options.lazyConnect });
  return new Cluster(target.nodes, { lazyConnect: options.lazyConnect, scaleReads: "master", shardedSubscribers: true });
}

/** What product code connects to for the Redis known as `url` (as createRedisClient takes it). */
export function testTarget(url: string): RedisTarget {
  const seeds = clusterSeeds.get(url);
  if (!seeds) return singleRedis(url);
  return { kind: "cluster", nodes: parseHostPorts(seeds.join(",")), tls: false };
}

/**
 * CLIENT KILL of every subscriber connection named `name` (ioredis prefixes a cluster's) on the
 * Redis known as `url`, on every node of a cluster; resolves with how many were killed.
 */
export async function killSubscribers(url: string, name: string): Promise<number> {
  const redis = testRedisClient(url, { lazyConnect: true });
  try {
    await redis.connect();
    const nodes = redis instanceof Cluster ? redis.nodes("master") : [redis];
    let killed = 0;
    for (const node of nodes) {
      const lines = String(await node.call("CLIENT", "LIST", "TYPE", "pubsub")).split("\n");
      for (const line of lines.filter((l) => l.includes(` name=${name} `) || l.includes(`):${name} `))) {
        killed += Number(await node.call("CLIENT", "KILL", "ID", /\bid=(\d+)/.exec(line)![1]!));
      }
    }
    return killed;
  } finally {
    redis.disconnect();
  }
}

/** The key prefix product processes use on the Redis known as `url` (a hash tag on a cluster). */
export function testPrefix(url: string, prefix: string): string {
  return slotPrefix(prefix, clusterSeeds.has(url));
}

/** The keys product processes use under `prefix` on the Redis known as `url`. */
export function testKeys(url: string, prefix: string): RedisKeys {
  return redisKeys(testPrefix(url, prefix));
}

/** The log groups product processes use under `prefix` on the Redis known as `url` (their default). */
export function testGroups(url: string, prefix: string): LogGroups {
  return logGroups(testPrefix(url, prefix), defaultLogGroups(clusterSeeds.has(url)));
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
  const redis = testRedisClient(redisUrl, { lazyConnect: true });
  try {
    await redis.connect();
    const groups = testGroups(redisUrl, prefix);
    await claimLogGroups(redis, testPrefix(redisUrl, prefix), groups.count);
    await loadSchool(new RedisSchoolStore(redis, testKeys(redisUrl, prefix), groups), school, TEST_PASSWORD, TEST_SCRYPT);
    await markDataset(redis, testPrefix(redisUrl, prefix));
  } finally {
    redis.disconnect();
  }
}
