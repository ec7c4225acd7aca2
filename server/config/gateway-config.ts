import { slotPrefix } from "../redis/keys.ts";
import { readFileSync } from "node:fs";
import { z } from "zod";
import type { RedisTarget } from "../redis/redis-target.ts";
import { ConfigError, type Env, intIn, type Limit, limit, parseEnv, sharedEnvFields } from "./config.ts";
import { redisTargetFromEnv } from "./redis-config.ts";

/** Settings of the gateway process (server/cli/gateway.ts). */
export interface GatewayConfig {
  host: string;
  /** PORT: default 8080. */
  port: number;
  /** As the member's: REDIS_URL, or REDIS_SENTINELS + REDIS_SENTINEL_NAME. */
  redis: RedisTarget;
  redisPrefix: string;
  mode: "broadcast" | "hash";
  tokenSecret: string;
  virtualNodes: number;
  /** RINGCAST_TLS_CERT / RINGCAST_TLS_KEY: PEM files; with both set the gateway speaks https/wss. */
  tls: { cert: Buffer; key: Buffer } | undefined;
  /** RINGCAST_GATEWAY_MAX_CONNECTIONS_PER_MEMBER: most connections (WebSockets and HTTP requests in flight) this gateway holds to one member; new ones past it get 429. Default 20000. */
  maxConnectionsPerMember: number;
  /** RINGCAST_GATEWAY_HANDSHAKES_PER_ADDRESS: new Socket.IO connections per client address ("N/SECONDS"; a school behind one NAT is one address). Default 600/60. */
  handshakesPerAddress: Limit;
  /** RINGCAST_OPERATOR_TOKEN: bearer secret for /gateway/status. Default none: that route answers 403. */
  operatorToken: string | undefined;
  logLevel: string;
}

const schema = z.object({
  ...sharedEnvFields,
  PORT: intIn(0, 65535).default(8080),
  RINGCAST_TLS_CERT: z.string().optional(),
  RINGCAST_TLS_KEY: z.string().optional(),
  RINGCAST_GATEWAY_MAX_CONNECTIONS_PER_MEMBER: intIn(1, 10_000_000).default(20_000),
  RINGCAST_GATEWAY_HANDSHAKES_PER_ADDRESS: limit.prefault("600/60"),
});

export function loadGatewayConfig(env: Env = process.env): GatewayConfig {
  const e = parseEnv(schema, env);
  const redis = redisTargetFromEnv(e);
  if ("problems" in redis) throw new ConfigError(redis.problems);
  return {
    host: e.HOST,
    port: e.PORT,
    redis,
    redisPrefix: slotPrefix(e.RINGCAST_REDIS_PREFIX, redis.kind === "cluster"),
    mode: e.RINGCAST_MODE,
    tokenSecret: e.RINGCAST_TOKEN_SECRET,
    virtualNodes: e.RINGCAST_VIRTUAL_NODES,
    tls: readTls(e.RINGCAST_TLS_CERT, e.RINGCAST_TLS_KEY),
    maxConnectionsPerMember: e.RINGCAST_GATEWAY_MAX_CONNECTIONS_PER_MEMBER,
    handshakesPerAddress: e.RINGCAST_GATEWAY_HANDSHAKES_PER_ADDRESS,
    operatorToken: e.RINGCAST_OPERATOR_TOKEN,
    logLevel: e.LOG_LEVEL,
  };
}

function readTls(certPath: string | undefined, keyPath: string | undefined): GatewayConfig["tls"] {
  if (!certPath && !keyPath) return undefined;
  if (!certPath || !keyPath) throw new ConfigError(["RINGCAST_TLS_CERT and RINGCAST_TLS_KEY: set both or neither"]);
  const read = (name: string, path: string): Buffer => {
    try {
      return readFileSync(path);
    } catch (err) {
      throw new ConfigError([`${name}: cannot read ${path} (${(err as Error).message})`]);
    }
  };
  return { cert: read("RINGCAST_TLS_CERT", certPath), key: read("RINGCAST_TLS_KEY", keyPath) };
}
