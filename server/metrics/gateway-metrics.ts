import type { Registry } from "prom-client";
import { labelledGauge, processRegistry, readGauge } from "./metrics-registry.ts";

export interface GatewayMetricsSources {
  mode: "broadcast" | "hash";
  /** The membership the gateway routes to. */
  membership: () => { epoch: number; members: number } | undefined;
  /** Engine.IO sessions it keeps sticky (broadcast mode). */
  sessions: () => number;
  /** Open connections (WebSockets and requests in flight) per member URL. */
  connections: () => Record<string, number>;
}

/** The gateway's Prometheus registry: process defaults plus what it routes. */
export function gatewayMetrics(sources: GatewayMetricsSources): Registry {
  const registry = processRegistry({ mode: sources.mode, role: "gateway" });
  readGauge(registry, "ringcast_membership_epoch", "Membership (in hash mode, ring) epoch the gateway routes by", () => sources.membership()?.epoch ?? 0);
  readGauge(registry, "ringcast_members", "Live members the gateway routes to", () => sources.membership()?.members ?? 0);
  readGauge(registry, "ringcast_gateway_sessions", "Engine.IO sessions kept sticky to their member", sources.sessions);
  labelledGauge(registry, "ringcast_gateway_connections", "Open connections to each member", "member", () => Object.entries(sources.connections()));
  return registry;
}
