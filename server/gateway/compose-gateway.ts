import { createServer as createHttpServer } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import { TokenService } from "../auth/tokens.ts";
import type { GatewayConfig } from "../config/gateway-config.ts";
import type { Logger } from "../log.ts";
import { createRedisClient } from "../redis/connect.ts";
import { followPrimarySwitches } from "../redis/primary-switches.ts";
import { redisKeys } from "../redis/keys.ts";
import { LivenessProbe } from "../registry/liveness.ts";
import { RedisMembershipWatcher } from "../registry/redis-membership-watcher.ts";
import { RingView } from "../ring/ring-view.ts";
import { gatewayMetrics } from "../metrics/gateway-metrics.ts";
import { Gateway } from "./gateway.ts";
import { GatewayLimits } from "./limits.ts";
import { GatewayRoutes } from "./status.ts";
import { SessionTable } from "./session-table.ts";
import { TargetPicker } from "./target-picker.ts";

/** The gateway's composition root. */
export function composeGateway(config: GatewayConfig, log: Logger): Gateway {
  const keys = redisKeys(config.redisPrefix);
  const store = createRedisClient(config.redis, "store", log);
  const watch = createRedisClient(config.redis, "watch", log);
  const watcher = new RedisMembershipWatcher(store, watch, keys, log);
  const ring = config.mode === "hash" ? new RingView(watcher, config.virtualNodes) : undefined;
  const sessions = new SessionTable();
  // Tokens are verified (token expiry ignored: TTL only matters for issuing) before a key is trusted.
  const tokens = new TokenService(config.tokenSecret, 0);
  const limits = new GatewayLimits(config);
  const metrics = gatewayMetrics({
    mode: config.mode,
    membership: () => {
      const current = watcher.current();
      return current && { epoch: current.epoch, members: current.members.length };
    },
    sessions: () => sessions.size,
    connections: () => limits.connections(),
  });
  const routes = new GatewayRoutes({ mode: config.mode, watcher, sessions, limits, operatorToken: config.operatorToken, metrics });
  const server = config.tls ? createHttpsServer({ cert: config.tls.cert, key: config.tls.key }) : createHttpServer();
  return new Gateway({
    server,
    picker: new TargetPicker(watcher, ring, tokens, sessions),
    sessions,
    watcher,
    liveness: new LivenessProbe(store, keys, log),
    limits,
    routes,
    redisClients: [store, watch],
    primarySwitches: followPrimarySwitches(config.redis, [store, watch], log),
    listen: { host: config.host, port: config.port },
    log,
  });
}
