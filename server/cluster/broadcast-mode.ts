import type { RedisClient } from "../redis/connect.ts";
import { createBroadcastAdapter } from "../adapter/broadcast-adapter.ts";
import type { AdapterStats } from "../adapter/adapter-stats.ts";
import { RedisBus } from "../bus/redis-bus.ts";
import type { RedisKeys } from "../redis/keys.ts";
import { BroadcastRoutes } from "../realtime/notice-routes.ts";
import { SelfLocator } from "../ring/member-locator.ts";
import type { ClusterMode } from "./cluster-mode.ts";

export interface BroadcastModeOptions {
  /** The adapter's publishing and subscribing connections (given, never built here). */
  pub: RedisClient;
  sub: RedisClient;
  keys: RedisKeys;
  stats: AdapterStats;
  /** This member, as GET /api/route names it (any member serves anyone). */
  self: () => { id: string; url: string };
}

/**
 * Broadcast mode: every emit and every notice goes to every member, which checks its own sockets;
 * any member serves anyone (sticky load balancing keeps a session's requests on one member).
 */
export function broadcastMode(options: BroadcastModeOptions): ClusterMode {
  const { pub, sub, keys, stats } = options;
  return {
    name: "broadcast",
    bus: new RedisBus(pub, sub, (p, s) => createBroadcastAdapter(p, s, { key: keys.adapterKey, stats })),
    noticeMember: "",
    routes: new BroadcastRoutes(stats),
    locator: new SelfLocator(options.self),
    sessionGate: undefined,
    ownership: undefined,
    drainDelayMs: 0,
    noticesComplete: () => true,
    followUps: () => [],
    ringShares: () => undefined,
    peerLinksUp: undefined,
    attach: () => ({ services: [], admit: () => true }),
  };
}
