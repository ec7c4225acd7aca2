/** Runs a gateway: `PORT=8080 RINGCAST_MODE=hash tsx server/cli/gateway.ts`. Logs "gateway ready". */
import { describeRedisTarget } from "../redis/redis-target.ts";
import { type GatewayConfig, loadGatewayConfig } from "../config/gateway-config.ts";
import { composeGateway } from "../gateway/compose-gateway.ts";
import { createLogger } from "../log.ts";
import { exitOnConfigError, handleSignals } from "./process.ts";
import { parseCli, SETTINGS_NOTE } from "./cli-args.ts";

parseCli({
  usage: "npm run gateway",
  summary: "Runs a gateway: a reverse proxy that sends each connection to its member (hash mode: the user's owner; broadcast mode: sticky by session); logs \"gateway ready\".",
  options: {},
  notes: [...SETTINGS_NOTE, "  Gateway: PORT (default 8080), RINGCAST_TLS_CERT / RINGCAST_TLS_KEY, RINGCAST_GATEWAY_* limits."],
});

let config: GatewayConfig;
try {
  config = loadGatewayConfig();
} catch (err) {
  exitOnConfigError(err);
}
const log = createLogger(config.logLevel, { role: "gateway" });
const gateway = composeGateway(config, log);
handleSignals(log, () => gateway.close());
try {
  await gateway.start();
  log.info({ port: gateway.port, mode: config.mode, tls: Boolean(config.tls), redis: describeRedisTarget(config.redis) }, "gateway ready");
} catch (err) {
  log.fatal({ err }, "gateway could not start");
  process.exit(1);
}
