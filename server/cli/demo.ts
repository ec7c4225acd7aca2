/**
 * Quick start: `npm run demo`. Uses the Redis at REDIS_URL, or starts a local redis-server
 * (installing it with apt when it can) with append-only persistence in .ringcast/redis/, then runs
 * the sticky launcher with the demo school.
 */
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Redis } from "ioredis";
import { appendFsyncFromEnv, type LocalRedis, startLocalRedis } from "./local-redis.ts";
import { parseCli } from "./cli-args.ts";

parseCli({
  usage: "npm run demo",
  summary: "Starts the demo: the Redis at REDIS_URL or a local redis-server (append-only persistence in .ringcast/redis/), then two sticky workers on PORT (default 3000) with the demo school. Ctrl-C stops it.",
  options: {},
});

const DEFAULT_REDIS_PORT = 6379;
/** Git-ignored; the same folder the Procfiles' Redis uses. */
const DATA_DIR = fileURLToPath(new URL("../../.ringcast/redis/", import.meta.url));

async function reachable(url: string): Promise<boolean> {
  const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  probe.on("error", () => undefined);
  try {
    await probe.connect();
    return (await probe.ping()) === "PONG";
  } catch {
    return false;
  } finally {
    probe.disconnect();
  }
}

async function redisForDemo(): Promise<{ url: string; local?: LocalRedis }> {
  const url = process.env.REDIS_URL ?? `redis://127.0.0.1:${DEFAULT_REDIS_PORT}`;
  if (await reachable(url)) return { url };
  if (process.env.REDIS_URL) throw new Error(`REDIS_URL=${url} is not reachable`);
  const appendFsync = appendFsyncFromEnv();
  mkdirSync(DATA_DIR, { recursive: true });
  const local = await startLocalRedis({ port: DEFAULT_REDIS_PORT, dir: DATA_DIR, appendFsync });
  console.log(
    `started redis-server on ${local.url} with append-only persistence in ${DATA_DIR} (appendfsync ${appendFsync}; ` +
      "RINGCAST_REDIS_APPENDFSYNC=always loses nothing acknowledged in a crash)",
  );
  return { url: local.url, local };
}

const { url, local } = await redisForDemo();
const port = process.env.PORT ?? "3000";
const launcher = spawn(process.execPath, ["--import", "tsx", fileURLToPath(new URL("./launcher.ts", import.meta.url))], {
  stdio: "inherit",
  env: {
    ...process.env,
    PORT: port,
    REDIS_URL: url,
    RINGCAST_SEED_DEMO: "true",
    // A fresh secret per demo run: fine for a demo, where tokens need not outlive the process.
    RINGCAST_TOKEN_SECRET: process.env.RINGCAST_TOKEN_SECRET ?? randomBytes(32).toString("hex"),
  },
});
console.log(
  `ringcast demo on http://127.0.0.1:${port}: sign in with POST /api/login as t-ada (teacher) or s001 (student), ` +
    `password ${process.env.RINGCAST_DEMO_PASSWORD ?? "ringcast-demo"}. Ctrl-C stops it.`,
);
for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => launcher.kill(signal));
launcher.once("exit", async (code) => {
  await local?.stop();
  process.exit(code ?? 0);
});
