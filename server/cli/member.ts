/** Runs one member: `PORT=3001 tsx server/cli/member.ts`. Logs "member ready" with its port. */
import { describeRedisTarget } from "../redis/redis-target.ts";
import { loadConfig, type MemberConfig } from "../config/config.ts";
import { createLogger } from "../log.ts";
import { composeMember } from "../member/compose.ts";
import { exitOnConfigError, handleSignals } from "./process.ts";
import { parseCli, SETTINGS_NOTE } from "./cli-args.ts";

parseCli({ usage: "npm run member", summary: "Runs one ringcast member (Socket.IO + the REST API on one port); logs \"member ready\" with its port.", options: {}, notes: SETTINGS_NOTE });

let config: MemberConfig;
try {
  config = loadConfig();
} catch (err) {
  exitOnConfigError(err);
}
const log = createLogger(config.logLevel, { node: config.nodeId });
const member = composeMember(config, log);
handleSignals(log, () => member.close(), config.drainGraceMs);
try {
  await member.start();
  log.info({ port: member.port, mode: config.mode, redis: describeRedisTarget(config.redis) }, "member ready");
} catch (err) {
  log.fatal({ err }, "member could not start");
  process.exit(1);
}
