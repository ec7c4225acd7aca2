/**
 * One port, W worker members (node:cluster) with sticky sessions, so HTTP long-polling works:
 * `PORT=3000 RINGCAST_WORKERS=2 tsx server/cli/launcher.ts`. Logs "launcher ready" with its port.
 */
import cluster from "node:cluster";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { availableParallelism } from "node:os";
import { ConfigError, loadConfig, loadLauncherConfig, type MemberConfig } from "../config/config.ts";
import { createLogger } from "../log.ts";
import { composeMember } from "../member/compose.ts";
import { setupStickyPrimary } from "../router/sticky-primary.ts";
import { exitOnConfigError, handleSignals } from "./process.ts";
import { WorkerPool } from "./worker-pool.ts";
import { parseCli, SETTINGS_NOTE } from "./cli-args.ts";

parseCli({
  usage: "npm start",
  summary: "One port, RINGCAST_WORKERS worker members (node:cluster) with sticky sessions, so HTTP long-polling works; logs \"launcher ready\".",
  options: {},
  notes: [...SETTINGS_NOTE, "  Launcher: RINGCAST_WORKERS (default: one per core)."],
});

const WORKER_READY = "ringcast:worker-ready";

async function runPrimary(): Promise<void> {
  let config: MemberConfig;
  let workers: number;
  try {
    config = loadConfig();
    workers = loadLauncherConfig(process.env, availableParallelism()).workers;
    // Its primary balances sessions round-robin; hash mode needs each user sent to its owner.
    if (config.mode === "hash") {
      throw new ConfigError([
        "RINGCAST_MODE: the node:cluster launcher serves broadcast mode; in hash mode run members as separate processes (npm run member) behind a gateway (npm run gateway)",
      ]);
    }
  } catch (err) {
    exitOnConfigError(err);
  }
  const log = createLogger(config.logLevel, { node: config.nodeId, role: "launcher" });
  const httpServer = createServer();
  setupStickyPrimary(httpServer);
  await new Promise<void>((resolve) => httpServer.listen(config.port, config.host, resolve));
  const port = (httpServer.address() as AddressInfo).port;
  const stopTimeoutMs = config.drainGraceMs;
  const pool = new WorkerPool({ size: workers, env: { PORT: String(port) }, readyMessage: WORKER_READY, stopTimeoutMs, log });
  // The workers drain within the grace period; the primary waits a little longer for them.
  const primaryGraceMs = stopTimeoutMs + 1000;
  handleSignals(
    log,
    async () => {
      httpServer.close();
      await pool.stop();
    },
    primaryGraceMs,
  );
  await pool.start();
  log.info({ port, workers }, "launcher ready");
}

async function runWorker(): Promise<void> {
  let config: MemberConfig;
  try {
    config = loadConfig();
  } catch (err) {
    exitOnConfigError(err);
  }
  const nodeId = `${config.nodeId}/w${process.env.RINGCAST_WORKER_INDEX ?? cluster.worker?.id}`;
  const advertiseUrl = config.advertiseUrl ?? `http://${config.host}:${config.port}`;
  const log = createLogger(config.logLevel, { node: nodeId });
  const member = composeMember({ ...config, nodeId, advertiseUrl }, log, { stickyWorker: true });
  handleSignals(log, () => member.close(), config.drainGraceMs);
  await member.start();
  process.send?.({ type: WORKER_READY });
}

await (cluster.isPrimary ? runPrimary() : runWorker());
