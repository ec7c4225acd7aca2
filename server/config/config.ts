import { slotPrefix } from "../redis/keys.ts";
import { defaultLogGroups } from "../redis/log-groups.ts";
import { hostname } from "node:os";
import { z } from "zod";
import type { HandoffTimings } from "../cluster/handoff.ts";
import type { RedisTarget } from "../redis/redis-target.ts";
import { redisEnvFields, redisTargetFromEnv } from "./redis-config.ts";

/** Every setting a member reads, after validation. The README's configuration table mirrors this. */
export interface MemberConfig {
  /** HOST: interface to listen on. Default 127.0.0.1 (set 0.0.0.0 to accept remote connections). */
  host: string;
  /** PORT: HTTP port for Socket.IO and the REST API; 0 picks a free one. Default 3000. */
  port: number;
  /**
   * The shared Redis: REDIS_URL (default redis://127.0.0.1:6379), REDIS_SENTINELS +
   * REDIS_SENTINEL_NAME for Redis Sentinel, or REDIS_CLUSTER_NODES for a Redis Cluster (with
   * REDIS_USERNAME, REDIS_PASSWORD, REDIS_SENTINEL_PASSWORD, REDIS_TLS).
   */
  redis: RedisTarget;
  /** RINGCAST_REDIS_PREFIX: prefix of every Redis key and channel, so clusters can share a Redis. Default "ringcast". */
  redisPrefix: string;
  /**
   * RINGCAST_LOG_GROUPS: how many groups the message logs are split into, each under its own hash
   * tag, so they spread over a Redis Cluster's shards. Fixed for the life of a dataset (every member,
   * seed and admin run must agree). Default 1, or 3 on a Redis Cluster.
   */
  logGroups: number;
  /** RINGCAST_MODE: "broadcast" (default) or "hash". */
  mode: "broadcast" | "hash";
  /** NODE_ID: stable member id shown in /api/cluster. Default "<hostname>:<port>". */
  nodeId: string;
  /** RINGCAST_ADVERTISE_URL: URL other processes use to reach this member. Default http://<host>:<port>. */
  advertiseUrl: string | undefined;
  /** RINGCAST_TOKEN_SECRET: HMAC secret for access tokens, at least 32 characters. Required. */
  tokenSecret: string;
  /** RINGCAST_TOKEN_TTL: token lifetime in seconds. Default 3600. */
  tokenTtlSeconds: number;
  /** RINGCAST_CORS_ORIGINS: comma-separated origins allowed cross-origin. Default none (same origin only). */
  corsOrigins: string[];
  /** RINGCAST_HEARTBEAT_MS: how often a member renews its registry lease. Default 2000. */
  heartbeatMs: number;
  /** RINGCAST_LEASE_MS: how long a silent member stays listed. Default 6000. */
  leaseMs: number;
  /** RINGCAST_MAX_BODY_BYTES: largest accepted REST body. Default 16384. */
  maxBodyBytes: number;
  /** RINGCAST_MAX_SOCKET_PAYLOAD_BYTES: largest Socket.IO packet before the connection is closed. Default 65536. */
  maxSocketPayloadBytes: number;
  /** RINGCAST_MAX_MESSAGE_CHARS: longest message body. Default 2000. */
  maxMessageChars: number;
  /** RINGCAST_SEED_DEMO: load the demo school at start when it is not there yet. Default false. */
  seedDemo: boolean;
  /** RINGCAST_DEMO_PASSWORD: password of every demo user. Default "ringcast-demo". */
  demoPassword: string;
  /** RINGCAST_VIRTUAL_NODES: virtual nodes per member on the hash ring. Default 1024. */
  virtualNodes: number;
  /** RINGCAST_PEER_LINKS: hash mode: send member-targeted messages over direct member-to-member WebSockets (Redis while a link is down). Default true. */
  peerLinks: boolean;
  /** RINGCAST_REBALANCE: on a join, close only sockets whose owner changed ("moved", default) or all ("all"). */
  rebalance: "moved" | "all";
  /** RINGCAST_REBALANCE_BATCH: sockets closed per step while rebalancing. Default 50. */
  rebalanceBatch: number;
  /** RINGCAST_REBALANCE_INTERVAL_MS: mean pause between steps (jittered ±50%). Default 100. */
  rebalanceIntervalMs: number;
  /** RINGCAST_DRAIN_DELAY_MS: on shutdown, pause between deregistering and closing sockets (hash mode). Default 300. */
  drainDelayMs: number;
  /**
   * Hash mode's handoff after a ring change: RINGCAST_HANDOFF_SETTLE_MS (how long earlier owners
   * still get notices and notices are not trusted alone; default 10000), RINGCAST_HANDOFF_CATCH_UP_MS
   * (when every socket re-reads its logs; default "1000,5000"), RINGCAST_HANDOFF_FOLLOW_UP_MS (when a
   * socket connecting meanwhile reads again; default "1000,5000").
   */
  handoff: HandoffTimings;
  /** RINGCAST_DRAIN_GRACE_MS: on SIGTERM, the member exits within this (ms). Default 10000. */
  drainGraceMs: number;
  /** RINGCAST_DRAIN_BATCH: sockets closed per batch while draining (raised to fit the grace period). Default 100. */
  drainBatch: number;
  /** RINGCAST_DRAIN_INTERVAL_MS: pause between drain batches. Default 50. */
  drainIntervalMs: number;
  /** RINGCAST_INBOX_MAX_LENGTH: most messages kept per user for replay. Default 1000. */
  inboxMaxLength: number;
  /** RINGCAST_INBOX_MAX_AGE_MS: oldest message kept for replay. Default 7 days. */
  inboxMaxAgeMs: number;
  /**
   * RINGCAST_REDIS_WAIT_REPLICAS: replicas that must confirm a message (Redis WAIT) before it is
   * acknowledged, so a failover cannot lose it. Default 1 with REDIS_SENTINELS or
   * REDIS_CLUSTER_NODES, else 0.
   */
  waitReplicas: number;
  /** RINGCAST_REDIS_WAIT_MS: how long to wait for them before answering 503. Default 1000. */
  waitReplicasMs: number;
  /** RINGCAST_MAX_BUFFERED_BYTES: most bytes a member (or gateway) holds unsent for one connection before it closes that transport (the client reconnects and resumes). Default 1 MiB. */
  maxBufferedBytes: number;
  /** RINGCAST_CONNECT_TIMEOUT_MS: a connection that has not passed the handshake (no valid token) is closed after this. Default 5000. */
  connectTimeoutMs: number;
  /** RINGCAST_MAX_CONNECTIONS: most Engine.IO connections one member holds; more are refused (503 at the handshake). Default 20000. */
  maxConnections: number;
  /** RINGCAST_MAX_SOCKETS_PER_USER: most open sockets of one user, cluster-wide. Default 20. */
  maxSocketsPerUser: number;
  /** Cluster-wide rate limits ("N/SECONDS"); see RateLimits. */
  limits: RateLimits;
  /** RINGCAST_OPERATOR_TOKEN: bearer secret (at least 32 characters) for operator-only routes (/api/cluster, gateway details). Default none: those routes answer 403. */
  operatorToken: string | undefined;
  /** RINGCAST_TRUSTED_PROXIES: addresses of proxies (the gateway) whose X-Forwarded-For names the client, for per-address limits. Default loopback (127.0.0.1, ::1). */
  trustedProxies: string[];
  /** RINGCAST_METRICS_PORT: also serve GET /metrics without a token on this port (bind HOST to an operators' interface). Default none: /metrics only on PORT with the operator token. */
  metricsPort: number | undefined;
  /** RINGCAST_WEB_SOURCE_MAPS: serve the web app's source map (app.js.map). Default false. */
  webSourceMaps: boolean;
  /** RINGCAST_TOKEN_NOTICE_S: a socket is sent ringcast:token-expiring this many seconds before its token expires. Default 60. */
  tokenNoticeSeconds: number;
  /** LOG_LEVEL: pino level (fatal, error, warn, info, debug, trace, silent). Default info. */
  logLevel: string;
}

/** A budget of `points` within `seconds`. */
export interface Limit {
  points: number;
  seconds: number;
}

/** Cluster-wide limits; defaults a real classroom never reaches. */
export interface RateLimits {
  /** RINGCAST_LIMIT_LOGIN_FAILURES_PER_USER: failed logins per user id. Default 10/300. */
  loginFailuresPerUser: Limit;
  /** RINGCAST_LIMIT_LOGINS_PER_ADDRESS: login attempts per client address (a school behind one NAT counts as one). Default 600/60. */
  loginsPerAddress: Limit;
  /** RINGCAST_LIMIT_DIRECT_MESSAGES: direct messages one user sends. Default 60/60. */
  directMessages: Limit;
  /** RINGCAST_LIMIT_CLASS_MESSAGES: class messages one teacher sends. Default 30/60. */
  classMessages: Limit;
  /** RINGCAST_LIMIT_SOCKET_EVENTS: events one connection sends. Default 100/10. */
  socketEvents: Limit;
}

export type Env = Record<string, string | undefined>;

export const intIn = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
/** A comma-separated list of delays in ms ("" for none), each at most 10 minutes. */
const msList = z
  .string()
  .regex(/^(\d{1,6}(,\d{1,6})*)?$/, "must be delays in ms separated by commas, e.g. 1000,5000")
  .transform((text) => (text === "" ? [] : text.split(",").map(Number)))
  .refine((delays) => delays.every((ms) => ms <= 600_000), "each delay must be at most 600000 ms");
/** "N/SECONDS": N points every SECONDS seconds. */
export const limit = z
  .string()
  .regex(/^\d{1,9}\/\d{1,7}$/, "must be N/SECONDS, e.g. 60/60")
  .transform((v) => {
    const [points, seconds] = v.split("/").map(Number) as [number, number];
    return { points, seconds };
  })
  .refine((l) => l.points >= 1 && l.seconds >= 1, "N and SECONDS must be at least 1");
const bool = z.enum(["true", "false", "1", "0"]).transform((v) => v === "true" || v === "1");

/** Variables members and gateways share; they must agree across a cluster. */
export const sharedEnvFields = {
  HOST: z.string().min(1).default("127.0.0.1"),
  ...redisEnvFields,
  RINGCAST_REDIS_PREFIX: z
    .string()
    .regex(/^[\w.-]{1,64}$/, "letters, digits, '.', '_' or '-' only")
    .default("ringcast"),
  RINGCAST_LOG_GROUPS: intIn(1, 64).optional(),
  RINGCAST_MODE: z.enum(["broadcast", "hash"]).default("broadcast"),
  RINGCAST_TOKEN_SECRET: z
    .string({ error: "is required (generate one with: openssl rand -hex 32)" })
    .min(32, "must be at least 32 characters (generate one with: openssl rand -hex 32)"),
  RINGCAST_VIRTUAL_NODES: intIn(1, 10_000).default(1024),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  RINGCAST_MAX_BUFFERED_BYTES: intIn(16 * 1024, 1024 * 1024 * 1024).default(1024 * 1024),
  RINGCAST_OPERATOR_TOKEN: z.string().min(32, "must be at least 32 characters (generate one with: openssl rand -hex 32)").optional(),
};

const envSchema = z.object({
  ...sharedEnvFields,
  PORT: intIn(0, 65535).default(3000),
  NODE_ID: z
    .string()
    .regex(/^[\w.:/-]{1,128}$/, "letters, digits and . : / _ - only")
    .optional(),
  RINGCAST_ADVERTISE_URL: z.url({ protocol: /^https?$/ }).optional(),
  RINGCAST_TOKEN_TTL: intIn(10, 30 * 24 * 3600).default(3600),
  RINGCAST_CORS_ORIGINS: z.string().default(""),
  RINGCAST_HEARTBEAT_MS: intIn(100, 60_000).default(2000),
  RINGCAST_LEASE_MS: intIn(300, 600_000).default(6000),
  RINGCAST_MAX_BODY_BYTES: intIn(256, 10 * 1024 * 1024).default(16384),
  RINGCAST_MAX_SOCKET_PAYLOAD_BYTES: intIn(1024, 100 * 1024 * 1024).default(65536),
  RINGCAST_MAX_MESSAGE_CHARS: intIn(1, 100_000).default(2000),
  RINGCAST_SEED_DEMO: bool.default(false),
  RINGCAST_DEMO_PASSWORD: z.string().min(8).default("ringcast-demo"),
  RINGCAST_PEER_LINKS: bool.default(true),
  RINGCAST_REBALANCE: z.enum(["moved", "all"]).default("moved"),
  RINGCAST_REBALANCE_BATCH: intIn(1, 100_000).default(50),
  RINGCAST_REBALANCE_INTERVAL_MS: intIn(0, 60_000).default(100),
  RINGCAST_DRAIN_DELAY_MS: intIn(0, 60_000).default(300),
  RINGCAST_HANDOFF_SETTLE_MS: intIn(0, 600_000).default(10_000),
  RINGCAST_HANDOFF_CATCH_UP_MS: msList.default([1000, 5000]),
  RINGCAST_HANDOFF_FOLLOW_UP_MS: msList.default([1000, 5000]),
  RINGCAST_DRAIN_GRACE_MS: intIn(2000, 600_000).default(10_000),
  RINGCAST_DRAIN_BATCH: intIn(1, 100_000).default(100),
  RINGCAST_DRAIN_INTERVAL_MS: intIn(0, 10_000).default(50),
  RINGCAST_INBOX_MAX_LENGTH: intIn(1, 1_000_000).default(1000),
  RINGCAST_INBOX_MAX_AGE_MS: intIn(1000, 365 * 24 * 3600 * 1000).default(7 * 24 * 3600 * 1000),
  RINGCAST_REDIS_WAIT_REPLICAS: intIn(0, 16).optional(),
  RINGCAST_REDIS_WAIT_MS: intIn(10, 60_000).default(1000),
  RINGCAST_CONNECT_TIMEOUT_MS: intIn(500, 600_000).default(5000),
  RINGCAST_MAX_CONNECTIONS: intIn(1, 10_000_000).default(20_000),
  RINGCAST_MAX_SOCKETS_PER_USER: intIn(1, 100_000).default(20),
  RINGCAST_TOKEN_NOTICE_S: intIn(1, 3600).default(60),
  RINGCAST_WEB_SOURCE_MAPS: bool.default(false),
  RINGCAST_METRICS_PORT: intIn(1, 65535).optional(),
  RINGCAST_TRUSTED_PROXIES: z.string().default("127.0.0.1,::1"),
  RINGCAST_LIMIT_LOGIN_FAILURES_PER_USER: limit.prefault("10/300"),
  RINGCAST_LIMIT_LOGINS_PER_ADDRESS: limit.prefault("600/60"),
  RINGCAST_LIMIT_DIRECT_MESSAGES: limit.prefault("60/60"),
  RINGCAST_LIMIT_CLASS_MESSAGES: limit.prefault("30/60"),
  RINGCAST_LIMIT_SOCKET_EVENTS: limit.prefault("100/10"),
});

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "ConfigError";
  }
}

/** Reads and validates the environment; throws ConfigError listing every bad variable at once. */
export function loadConfig(env: Env = process.env): MemberConfig {
  const e = parseEnv(envSchema, env);
  const problems: string[] = [];
  if (e.RINGCAST_LEASE_MS <= e.RINGCAST_HEARTBEAT_MS) {
    problems.push("RINGCAST_LEASE_MS: must be longer than RINGCAST_HEARTBEAT_MS");
  }
  if (e.RINGCAST_DRAIN_DELAY_MS >= e.RINGCAST_DRAIN_GRACE_MS) {
    problems.push("RINGCAST_DRAIN_DELAY_MS: must be shorter than RINGCAST_DRAIN_GRACE_MS");
  }
  const redis = redisTargetFromEnv(e);
  if ("problems" in redis) problems.push(...redis.problems);
  if (problems.length > 0 || "problems" in redis) throw new ConfigError(problems);
  return {
    host: e.HOST,
    port: e.PORT,
    redis,
    redisPrefix: slotPrefix(e.RINGCAST_REDIS_PREFIX, redis.kind === "cluster"),
    logGroups: e.RINGCAST_LOG_GROUPS ?? defaultLogGroups(redis.kind === "cluster"),
    mode: e.RINGCAST_MODE,
    nodeId: e.NODE_ID ?? `${hostname()}:${e.PORT}`,
    advertiseUrl: e.RINGCAST_ADVERTISE_URL,
    tokenSecret: e.RINGCAST_TOKEN_SECRET,
    tokenTtlSeconds: e.RINGCAST_TOKEN_TTL,
    corsOrigins: commaList(e.RINGCAST_CORS_ORIGINS),
    heartbeatMs: e.RINGCAST_HEARTBEAT_MS,
    leaseMs: e.RINGCAST_LEASE_MS,
    maxBodyBytes: e.RINGCAST_MAX_BODY_BYTES,
    maxSocketPayloadBytes: e.RINGCAST_MAX_SOCKET_PAYLOAD_BYTES,
    maxMessageChars: e.RINGCAST_MAX_MESSAGE_CHARS,
    seedDemo: e.RINGCAST_SEED_DEMO,
    demoPassword: e.RINGCAST_DEMO_PASSWORD,
    virtualNodes: e.RINGCAST_VIRTUAL_NODES,
    peerLinks: e.RINGCAST_PEER_LINKS,
    rebalance: e.RINGCAST_REBALANCE,
    rebalanceBatch: e.RINGCAST_REBALANCE_BATCH,
    rebalanceIntervalMs: e.RINGCAST_REBALANCE_INTERVAL_MS,
    drainDelayMs: e.RINGCAST_DRAIN_DELAY_MS,
    handoff: { settleMs: e.RINGCAST_HANDOFF_SETTLE_MS, catchUpMs: e.RINGCAST_HANDOFF_CATCH_UP_MS, followUpMs: e.RINGCAST_HANDOFF_FOLLOW_UP_MS },
    drainGraceMs: e.RINGCAST_DRAIN_GRACE_MS,
    drainBatch: e.RINGCAST_DRAIN_BATCH,
    drainIntervalMs: e.RINGCAST_DRAIN_INTERVAL_MS,
    inboxMaxLength: e.RINGCAST_INBOX_MAX_LENGTH,
    inboxMaxAgeMs: e.RINGCAST_INBOX_MAX_AGE_MS,
    waitReplicas: e.RINGCAST_REDIS_WAIT_REPLICAS ?? (redis.kind === "single" ? 0 : 1),
    waitReplicasMs: e.RINGCAST_REDIS_WAIT_MS,
    maxBufferedBytes: e.RINGCAST_MAX_BUFFERED_BYTES,
    connectTimeoutMs: e.RINGCAST_CONNECT_TIMEOUT_MS,
    maxConnections: e.RINGCAST_MAX_CONNECTIONS,
    maxSocketsPerUser: e.RINGCAST_MAX_SOCKETS_PER_USER,
    limits: {
      loginFailuresPerUser: e.RINGCAST_LIMIT_LOGIN_FAILURES_PER_USER,
      loginsPerAddress: e.RINGCAST_LIMIT_LOGINS_PER_ADDRESS,
      directMessages: e.RINGCAST_LIMIT_DIRECT_MESSAGES,
      classMessages: e.RINGCAST_LIMIT_CLASS_MESSAGES,
      socketEvents: e.RINGCAST_LIMIT_SOCKET_EVENTS,
    },
    operatorToken: e.RINGCAST_OPERATOR_TOKEN,
    tokenNoticeSeconds: e.RINGCAST_TOKEN_NOTICE_S,
    webSourceMaps: e.RINGCAST_WEB_SOURCE_MAPS,
    metricsPort: e.RINGCAST_METRICS_PORT,
    trustedProxies: commaList(e.RINGCAST_TRUSTED_PROXIES),
    logLevel: e.LOG_LEVEL,
  };
}

/** Settings of the node:cluster launcher (server/cli/launcher.ts). */
export interface LauncherConfig {
  /** RINGCAST_WORKERS: worker processes behind the one port. Default: one per core. */
  workers: number;
}

export function loadLauncherConfig(env: Env, cores: number): LauncherConfig {
  const schema = z.object({ RINGCAST_WORKERS: intIn(1, 256).default(cores) });
  return { workers: parseEnv(schema, env).RINGCAST_WORKERS };
}

/** Validates the environment against `schema`; throws ConfigError naming every bad variable. */
export function parseEnv<S extends z.ZodType>(schema: S, env: Env): z.infer<S> {
  const parsed = schema.safeParse(withoutEmpty(env));
  if (parsed.success) return parsed.data;
  throw new ConfigError(parsed.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`));
}

/** "a, b,,c" -> ["a", "b", "c"]. */
function commaList(value: string): string[] {
  return value
    .split(",")
    .map((item) => item.trim())
    .filter(Boolean);
}

/** An empty variable (FOO=) means "not set", as in most twelve-factor tools. */
function withoutEmpty(env: Env): Env {
  return Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ""));
}
