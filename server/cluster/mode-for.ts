import type { Redis } from "ioredis";
import type { AdapterStats } from "../adapter/adapter-stats.ts";
import type { TokenService } from "../auth/tokens.ts";
import type { MemberConfig } from "../config/config.ts";
import type { Logger } from "../log.ts";
import type { RedisKeys } from "../redis/keys.ts";
import type { Registry } from "../registry/registry.ts";
import { broadcastMode } from "./broadcast-mode.ts";
import type { ClusterMode } from "./cluster-mode.ts";
import { hashMode } from "./hash-mode.ts";

export interface ModeParts {
  pub: Redis;
  sub: Redis;
  keys: RedisKeys;
  registry: Registry;
  tokens: TokenService;
  stats: AdapterStats;
  log: Logger;
  /** This member, as GET /api/route names it in broadcast mode. */
  self: () => { id: string; url: string };
}

/** The cluster mode a member's configuration asks for (RINGCAST_MODE). */
export function clusterModeFor(config: MemberConfig, parts: ModeParts): ClusterMode {
  if (config.mode === "broadcast") return broadcastMode(parts);
  return hashMode({
    ...parts,
    memberId: config.nodeId,
    virtualNodes: config.virtualNodes,
    handoff: config.handoff,
    rebalance: { strategy: config.rebalance, batchSize: config.rebalanceBatch, intervalMs: config.rebalanceIntervalMs },
    peerSecret: config.peerLinks ? config.tokenSecret : undefined,
    drainDelayMs: config.drainDelayMs,
  });
}
