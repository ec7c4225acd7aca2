import type { MemberConfig } from "../config/config.ts";
import { broadcastMode } from "./broadcast-mode.ts";
import type { ClusterMode, ModeParts } from "./cluster-mode.ts";
import { hashMode } from "./hash-mode.ts";

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
