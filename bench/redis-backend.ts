/**
 * The Redis a benchmark run measures against: one redis-server, or a Redis Cluster of 3 primaries
 * with a replica each (the topology the tests and CI run on). Members, seeding and the prefill
 * are given `url` only; for a cluster it is the first node's, which test/support/redis.ts maps to
 * the whole cluster (REDIS_CLUSTER_NODES for members, a Cluster client and hash-tagged keys for
 * the harness's own writes).
 */
import { Redis } from "ioredis";
import type { LocalRedis } from "../server/cli/local-redis.ts";
import { startLocalRedis } from "../server/cli/local-redis.ts";
import { startTestCluster } from "../test/support/redis.ts";
import { type RedisInfo, redisInfo } from "./measure/redis-info.ts";

export const TOPOLOGIES = ["single", "cluster"] as const;
export type Topology = (typeof TOPOLOGIES)[number];

export interface RedisBackend {
  readonly topology: Topology;
  /** What members, seedSchool and the prefill are given (redisEnv, testRedisClient, testKeys route a cluster's). */
  readonly url: string;
  /** Every redis-server process: Redis's CPU is theirs (a cluster's replicas included, they apply every write too). */
  pids(): number[];
  pidOf(port: number): number | undefined;
  /** Ports of the primaries now (CLUSTER NODES), or of the one server. */
  primaries(): Promise<number[]>;
  /**
   * INFO of each port, over connections opened when the backend started: a window must not count
   * a connection's setup (ioredis's ready check is an INFO of its own).
   */
  info(ports: number[]): Promise<Map<number, RedisInfo>>;
  /** Empties every primary (their replicas follow), between systems. */
  flush(): Promise<void>;
  stop(): Promise<void>;
}

export async function startBackend(topology: Topology): Promise<RedisBackend> {
  if (topology === "single") {
    const redis = await startLocalRedis();
    return connect("single", redis.url, [redis], async () => [redis.port], () => redis.stop());
  }
  const cluster = await startTestCluster();
  return connect("cluster", cluster.nodes[0]!.url, cluster.nodes, () => cluster.primaryPorts(), () => cluster.stop());
}

async function connect(topology: Topology, url: string, nodes: LocalRedis[], primaries: () => Promise<number[]>, stop: () => Promise<void>): Promise<RedisBackend> {
  // Plain connections to each node (not a Cluster client): INFO and FLUSHALL are per node.
  const admins = new Map(nodes.map((node) => [node.port, new Redis({ host: "127.0.0.1", port: node.port, lazyConnect: true })]));
  await Promise.all([...admins.values()].map((admin) => admin.connect()));
  const admin = (port: number): Redis => {
    const found = admins.get(port);
    if (!found) throw new Error(`port ${port} is not a node of this ${topology} Redis`);
    return found;
  };
  return {
    topology,
    url,
    pids: () => nodes.flatMap((node) => (node.pid === undefined ? [] : [node.pid])),
    pidOf: (port) => nodes.find((node) => node.port === port)?.pid,
    primaries,
    info: async (ports) => new Map(await Promise.all(ports.map(async (port) => [port, await redisInfo(admin(port))] as const))),
    flush: async () => void (await Promise.all((await primaries()).map((port) => admin(port).flushall()))),
    stop: async () => {
      for (const connection of admins.values()) connection.disconnect();
      await stop();
    },
  };
}
