/**
 * `npm run load`: starts a local hash-mode cluster (redis-server, 3 members with the demo school, a
 * gateway), runs the artillery scenarios in load/classroom.yml against the gateway and prints
 * artillery's report. Loopback only; telemetry off; bounded by the scenario's phases. Installs
 * artillery into load/node_modules on first use. Exits non-zero if any virtual user failed.
 */
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { RingcastRest } from "../client/rest.ts";
import { startLocalRedis } from "../server/cli/local-redis.ts";
import { type ClusterProcess, spawnGateway, spawnMember } from "../test/support/processes.ts";
import { parseCli } from "../server/cli/cli-args.ts";
import { MetricsWatch } from "./metrics-watch.ts";

parseCli({
  usage: "npm run load",
  summary: "Starts a local hash-mode cluster (redis-server, 3 members with the demo school, a gateway) on 127.0.0.1 and runs the artillery classroom scenario (load/classroom.yml) against it; exits non-zero on any error.",
  options: {},
});
const here = fileURLToPath(new URL(".", import.meta.url));
const artillery = `${here}node_modules/.bin/artillery`;
const DEMO_PASSWORD = "ringcast-demo";
/**
 * Default limits, but one: classroom.yml signs ~24 virtual teachers into 2 accounts (t-ada, t-alan)
 * within 30 s, each posting 5 class messages, so each account sends ~60 in under a minute, past the
 * default of 30 per teacher a real teacher never reaches. Every other default is in force.
 */
const MEMBER_ENV = { RINGCAST_MODE: "hash", RINGCAST_HEARTBEAT_MS: "2000", RINGCAST_LEASE_MS: "6000", LOG_LEVEL: "info" };

function ensureArtillery(): void {
  if (existsSync(artillery)) return;
  console.log("installing artillery into load/node_modules (first run only)…");
  const result = spawnSync("npm", ["ci", "--no-audit", "--no-fund"], { cwd: here, stdio: "inherit" });
  if (result.status !== 0) throw new Error("could not install artillery (npm ci in load/ failed)");
}

/** users.csv plus each student's token (signed in here: see classroom.yml). */
async function writePayload(target: string): Promise<void> {
  const rest = new RingcastRest(target);
  const [header, ...rows] = readFileSync(`${here}users.csv`, "utf8").trim().split("\n");
  const withTokens = await Promise.all(
    rows.map(async (row) => `${row},${(await rest.login(row.split(",")[0]!, DEMO_PASSWORD)).token}`),
  );
  writeFileSync(`${here}results/users.csv`, `${header},token\n${withTokens.join("\n")}\n`);
}

function runArtillery(target: string): Promise<number> {
  const args = ["run", "--target", target, "--output", `${here}results/report.json`, `${here}classroom.yml`];
  const env = {
    ...process.env,
    ARTILLERY_DISABLE_TELEMETRY: "true",
    NODE_OPTIONS: `--require ${here}telemetry-off.cjs`,
  };
  const child = spawn(artillery, args, { cwd: here, env, stdio: "inherit" });
  return new Promise((resolve) => child.once("exit", (code) => resolve(code ?? 1)));
}

ensureArtillery();
const redis = await startLocalRedis();
const prefix = "load";
const members: ClusterProcess[] = [];
let gateway: ClusterProcess | undefined;
let code = 1;
try {
  // The first member loads the demo school (password ringcast-demo); the others find it there.
  members.push(await spawnMember({ redisUrl: redis.url, prefix, nodeId: "m1", env: { ...MEMBER_ENV, RINGCAST_SEED_DEMO: "true" } }));
  members.push(...(await Promise.all(["m2", "m3"].map((nodeId) => spawnMember({ redisUrl: redis.url, prefix, nodeId, env: MEMBER_ENV })))));
  gateway = await spawnGateway({ redisUrl: redis.url, prefix, mode: "hash" });
  console.log(`cluster up: gateway ${gateway.url}, members ${members.map((m) => m.nodeId).join(", ")}`);
  mkdirSync(`${here}results`, { recursive: true });
  await writePayload(gateway.url);
  const metrics = new MetricsWatch(
    members.map((m) => m.url),
    gateway.url,
  );
  await metrics.start();
  const running = runArtillery(gateway.url);
  // Scraped mid-run, as Prometheus would: the named series are there and moving.
  await new Promise((resolve) => setTimeout(resolve, 25_000));
  const missing = await metrics.report();
  code = await running;
  if (missing.length > 0) {
    console.log(`load: metrics missing: ${missing.join(", ")}`);
    code ||= 1;
  }
} finally {
  await gateway?.stop();
  await Promise.all(members.map((m) => m.stop()));
  await redis.stop();
}
console.log(code === 0 ? "load: no errors" : `load: artillery exited ${code}`);
process.exit(code);
