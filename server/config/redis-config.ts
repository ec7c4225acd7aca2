import { z } from "zod";
import { parseHostPorts, type RedisTarget } from "../redis/redis-target.ts";

const DEFAULT_URL = "redis://127.0.0.1:6379";

/** The variables that say where Redis is; members, gateways and the CLIs read the same ones. */
export const redisEnvFields = {
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\/\S+$/, "must look like redis://host:port")
    .optional(),
  REDIS_SENTINELS: z.string().optional(),
  REDIS_CLUSTER_NODES: z.string().optional(),
  REDIS_SENTINEL_NAME: z
    .string()
    .regex(/^[\w.-]{1,64}$/, "letters, digits, '.', '_' or '-' only")
    .default("mymaster"),
  REDIS_USERNAME: z.string().optional(),
  REDIS_PASSWORD: z.string().optional(),
  REDIS_SENTINEL_USERNAME: z.string().optional(),
  REDIS_SENTINEL_PASSWORD: z.string().optional(),
  REDIS_TLS: z
    .enum(["true", "false", "1", "0"])
    .transform((v) => v === "true" || v === "1")
    .default(false),
};

type RedisEnv = z.infer<z.ZodObject<typeof redisEnvFields>>;

/**
 * The target the variables select: REDIS_SENTINELS (with REDIS_SENTINEL_NAME) selects Sentinel,
 * REDIS_CLUSTER_NODES a Redis Cluster, otherwise REDIS_URL (default redis://127.0.0.1:6379).
 * Returns the problems instead when they contradict each other.
 */
export function redisTargetFromEnv(e: RedisEnv): RedisTarget | { problems: string[] } {
  const chosen = (["REDIS_URL", "REDIS_SENTINELS", "REDIS_CLUSTER_NODES"] as const).filter((name) => e[name] !== undefined);
  if (chosen.length > 1) return { problems: [`${chosen.join(" and ")}: set one of them, not several`] };
  if (e.REDIS_CLUSTER_NODES !== undefined) return clusterTarget(e, e.REDIS_CLUSTER_NODES);
  if (e.REDIS_SENTINELS === undefined) {
    if (e.REDIS_SENTINEL_USERNAME || e.REDIS_SENTINEL_PASSWORD) return { problems: ["REDIS_SENTINEL_PASSWORD: only used with REDIS_SENTINELS"] };
    return { kind: "single", url: withAuth(e.REDIS_URL ?? DEFAULT_URL, e) };
  }
  try {
    const sentinels = parseHostPorts(e.REDIS_SENTINELS);
    if (sentinels.length === 0) return { problems: ["REDIS_SENTINELS: list at least one host:port"] };
    return {
      kind: "sentinel",
      sentinels,
      name: e.REDIS_SENTINEL_NAME,
      username: e.REDIS_USERNAME,
      password: e.REDIS_PASSWORD,
      sentinelUsername: e.REDIS_SENTINEL_USERNAME,
      sentinelPassword: e.REDIS_SENTINEL_PASSWORD,
      tls: e.REDIS_TLS,
    };
  } catch (err) {
    return { problems: [`REDIS_SENTINELS: ${(err as Error).message}; expected host:port,host:port`] };
  }
}

function clusterTarget(e: RedisEnv, list: string): RedisTarget | { problems: string[] } {
  if (e.REDIS_SENTINEL_USERNAME || e.REDIS_SENTINEL_PASSWORD) return { problems: ["REDIS_SENTINEL_PASSWORD: only used with REDIS_SENTINELS"] };
  try {
    const nodes = parseHostPorts(list);
    if (nodes.length === 0) return { problems: ["REDIS_CLUSTER_NODES: list at least one host:port"] };
    return { kind: "cluster", nodes, username: e.REDIS_USERNAME, password: e.REDIS_PASSWORD, tls: e.REDIS_TLS };
  } catch (err) {
    return { problems: [`REDIS_CLUSTER_NODES: ${(err as Error).message}; expected host:port,host:port`] };
  }
}

/** REDIS_USERNAME/REDIS_PASSWORD/REDIS_TLS applied to a URL that does not already say them. */
function withAuth(url: string, e: RedisEnv): string {
  const parsed = new URL(url);
  if (e.REDIS_TLS) parsed.protocol = "rediss:";
  if (e.REDIS_PASSWORD && !parsed.password) {
    parsed.password = encodeURIComponent(e.REDIS_PASSWORD);
    if (e.REDIS_USERNAME) parsed.username = encodeURIComponent(e.REDIS_USERNAME);
  }
  return parsed.toString().replace(/\/$/, "");
}

/** The target from the environment, for the CLIs; throws naming every bad variable. */
export function redisTargetFromProcessEnv(env: Record<string, string | undefined> = process.env): RedisTarget {
  const parsed = z.object(redisEnvFields).safeParse(Object.fromEntries(Object.entries(env).filter(([, v]) => v !== "")));
  if (!parsed.success) throw new Error(parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; "));
  const target = redisTargetFromEnv(parsed.data);
  if ("problems" in target) throw new Error(target.problems.join("; "));
  return target;
}
