import { readFileSync } from "node:fs";
import { z } from "zod";
import { ConfigError, type Env } from "./config.ts";

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
  HOST: z.string().min(1).default("127.0.0.1"),
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  REDIS_URL: z.string().regex(/^rediss?:\/\/\S+$/, "must look like redis://host:port").default("redis://127.0.0.1:6379"),
  RINGCAST_REDIS_PREFIX: z.string().regex(/^[\w.-]{1,64}$/).default("ringcast"),
  RINGCAST_MODE: z.enum(["broadcast", "hash"]).default("broadcast"),
  RINGCAST_TOKEN_SECRET: z
    .string({ error: "is required: the members' secret, so the gateway can verify tokens" })
    .min(32, "must be at least 32 characters"),
  RINGCAST_VIRTUAL_NODES: z.coerce.number().int().min(1).max(10_000).default(1024),
  RINGCAST_TLS_CERT: z.string().optional(),
  RINGCAST_TLS_KEY: z.string().optional(),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
});

export function loadGatewayConfig(env: Env = process.env): GatewayConfig {
  const parsed = schema.safeParse(Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== "")));
  if (!parsed.success) throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`));
  const e = parsed.data;
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
