import type { ClusterOptions, RedisOptions } from "ioredis";

export interface HostPort {
  host: string;
  port: number;
}

/**
 * Where the shared Redis is: one server (a URL), the primary that Redis Sentinel names, or a Redis
 * Cluster (any of its nodes as seeds). Every connection a member, gateway or CLI opens is built
 * from one target, so they all follow the same primary across a failover.
 */
export type RedisTarget =
  | { kind: "single"; url: string }
  | {
      kind: "sentinel";
      sentinels: HostPort[];
      /** The monitored primary's name (sentinel.conf `sentinel monitor <name> ...`). */
      name: string;
      username?: string;
      password?: string;
      sentinelUsername?: string;
      sentinelPassword?: string;
      /** TLS to the sentinels and to the data nodes they name. */
      tls: boolean;
    }
  | {
      kind: "cluster";
      /** Seed nodes: ioredis asks them for the slot map, then talks to every primary. */
      nodes: HostPort[];
      username?: string;
      password?: string;
      tls: boolean;
    };

/** A target from a URL (redis:// or rediss://). */
export function singleRedis(url: string): RedisTarget {
  return { kind: "single", url };
}

/** For logs and errors: where it points, without credentials. */
export function describeRedisTarget(target: RedisTarget): string {
  if (target.kind === "single") return target.url.replace(/\/\/[^@/]*@/, "//");
  if (target.kind === "cluster") return `cluster via ${target.nodes.map((n) => `${n.host}:${n.port}`).join(",")}`;
  const nodes = target.sentinels.map((s) => `${s.host}:${s.port}`).join(",");
  return `sentinel ${target.name} via ${nodes}`;
}

/**
 * ioredis options that reach the target, merged over `base`. For Sentinel, ioredis asks the
 * sentinels for the primary on every (re)connect and checks the node's role, so after a failover
 * each connection lands on the new primary. The old primary's connections end by themselves: it
 * died, or the sentinels demoting it kill its clients (CLIENT KILL), and a write that still
 * reaches it gets READONLY, which reconnects (see createRedis). ioredis's failoverDetector
 * is left off: it reconnects again on every sentinel's +switch-master, three times per failover.
 */
export function redisConnectOptions(target: Exclude<RedisTarget, { kind: "cluster" }>, base: RedisOptions): { url?: string; options: RedisOptions } {
  if (target.kind === "single") return { url: target.url, options: base };
  const tls = target.tls ? {} : undefined;
  return {
    options: {
      ...base,
      sentinels: target.sentinels,
      name: target.name,
      role: "master",
      username: target.username,
      password: target.password,
      sentinelUsername: target.sentinelUsername,
      sentinelPassword: target.sentinelPassword,
      tls,
      enableTLSForSentinelMode: target.tls,
      sentinelTLS: tls,
      // Sentinels are asked again quickly while a failover is under way.
      sentinelRetryStrategy: (attempt: number) => Math.min(100 * attempt, 1000),
    },
  };
}

/**
 * ioredis Cluster options for the target: `base` applies to every node connection. Reads go to
 * primaries only (a replica may lag behind an acknowledged append).
 */
export function clusterConnectOptions(target: Extract<RedisTarget, { kind: "cluster" }>, base: RedisOptions, cluster: ClusterOptions): ClusterOptions {
  return {
    ...cluster,
    scaleReads: "master",
    redisOptions: { ...base, username: target.username, password: target.password, tls: target.tls ? {} : undefined },
  };
}

/** "host:port,host:port" -> the list; throws naming the bad entry. */
export function parseHostPorts(text: string): HostPort[] {
  return text
    .split(",")
    .map((item) => item.trim())
    .filter(Boolean)
    .map((item) => {
      const match = /^(\[[0-9a-fA-F:]+\]|[\w.-]+):(\d{1,5})$/.exec(item);
      const port = Number(match?.[2]);
      if (!match || port < 1 || port > 65535) throw new Error(`"${item}" is not host:port`);
      return { host: match[1]!.replace(/^\[|\]$/g, ""), port };
    });
}
