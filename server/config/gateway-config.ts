import { readFileSync } from "node:fs";
import { z } from "zod";
import { ConfigError, type Env, intIn, parseEnv, sharedEnvFields } from "./config.ts";

/** Settings of the gateway process (server/cli/gateway.ts). */
export interface GatewayConfig {
  host: string;
  /** PORT: default 8080. */
  port: number;
  redisUrl: string;
  redisPrefix: string;
  mode: "broadcast" | "hash";
  tokenSecret: string;
  virtualNodes: number;
  /** RINGCAST_TLS_CERT / RINGCAST_TLS_KEY: PEM files; with both set the gateway speaks https/wss. */
  tls: { cert: Buffer; key: Buffer } | undefined;
  logLevel: string;
}

const schema = z.object({
  ...sharedEnvFields,
  PORT: intIn(0, 65535).default(8080),
  RINGCAST_TLS_CERT: z.string().optional(),
  RINGCAST_TLS_KEY: z.string().optional(),
});

export function loadGatewayConfig(env: Env = process.env): GatewayConfig {
  const e = parseEnv(schema, env);
  return {
    host: e.HOST,
    port: e.PORT,
    redisUrl: e.REDIS_URL,
    redisPrefix: e.RINGCAST_REDIS_PREFIX,
    mode: e.RINGCAST_MODE,
    tokenSecret: e.RINGCAST_TOKEN_SECRET,
    virtualNodes: e.RINGCAST_VIRTUAL_NODES,
    tls: readTls(e.RINGCAST_TLS_CERT, e.RINGCAST_TLS_KEY),
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
