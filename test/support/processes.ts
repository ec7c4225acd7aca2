import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import { redisEnv } from "./redis.ts";

/** One token secret for every process of this test run. */
export const TOKEN_SECRET = randomBytes(32).toString("hex");
/** The operator token of every process of this test run (for /api/cluster and gateway details). */
export const OPERATOR_TOKEN = randomBytes(32).toString("hex");

export interface ClusterProcess {
  readonly url: string;
  readonly port: number;
  readonly nodeId: string;
  readonly child: ChildProcess;
  /** Everything the process printed, for failure messages. */
  output(): string;
  alive(): boolean;
  /** SIGTERM and wait for the exit. */
  stop(): Promise<void>;
  /** SIGKILL (kill -9) and wait for the exit. */
  kill(): Promise<void>;
}

export interface SpawnOptions {
  redisUrl: string;
  prefix: string;
  nodeId: string;
  env?: Record<string, string>;
}

const children = new Set<ChildProcess>();
process.on("exit", () => {
  for (const child of children) child.kill("SIGKILL");
});

/**
 * Rate limits lifted, for runs that flood on purpose (chaos, drain, benchmarks): the defaults are
 * sized for a classroom and stay in force everywhere else.
 */
export const FLOOD_LIMITS: Record<string, string> = {
  RINGCAST_LIMIT_DIRECT_MESSAGES: "1000000/60",
  RINGCAST_LIMIT_CLASS_MESSAGES: "1000000/60",
  RINGCAST_LIMIT_SOCKET_EVENTS: "1000000/10",
  RINGCAST_LIMIT_LOGINS_PER_ADDRESS: "1000000/60",
  // Gateways: thousands of users connect from 127.0.0.1, one address to a gateway.
  RINGCAST_GATEWAY_HANDSHAKES_PER_ADDRESS: "1000000/60",
};

export function memberEnv(options: SpawnOptions): Record<string, string> {
  return {
    HOST: "127.0.0.1",
    PORT: "0",
    ...redisEnv(options.redisUrl),
    RINGCAST_REDIS_PREFIX: options.prefix,
    NODE_ID: options.nodeId,
    RINGCAST_TOKEN_SECRET: TOKEN_SECRET,
    RINGCAST_OPERATOR_TOKEN: OPERATOR_TOKEN,
    RINGCAST_HEARTBEAT_MS: "200",
    RINGCAST_LEASE_MS: "1000",
    LOG_LEVEL: "info",
    ...options.env,
  };
}

/** A single member process (server/cli/member.ts) on a free port. */
export function spawnMember(options: SpawnOptions): Promise<ClusterProcess> {
  return spawnCli("member.ts", "member ready", options);
}

/** The node:cluster sticky launcher (server/cli/launcher.ts) on a free port. */
export function spawnLauncher(options: SpawnOptions & { workers: number }): Promise<ClusterProcess> {
  return spawnCli("launcher.ts", "launcher ready", {
    ...options,
    env: { RINGCAST_WORKERS: String(options.workers), ...options.env },
  });
}

/** A gateway (server/cli/gateway.ts) on a free port, following the members under `prefix`. */
export function spawnGateway(options: Omit<SpawnOptions, "nodeId"> & { mode: "broadcast" | "hash" }): Promise<ClusterProcess> {
  return spawnCli("gateway.ts", "gateway ready", {
    ...options,
    nodeId: "gateway",
    env: { RINGCAST_MODE: options.mode, ...options.env },
  });
}

function spawnCli(script: string, readyMessage: string, options: SpawnOptions): Promise<ClusterProcess> {
  const entry = fileURLToPath(new URL(`../../server/cli/${script}`, import.meta.url));
  return spawnReady(entry, readyMessage, options.nodeId, memberEnv(options));
}

/**
 * Runs a TypeScript entry point in its own Node process and resolves once it logs the JSON line
 * `{ "msg": readyMessage, "port": N }` on stdout.
 */
export function spawnReady(entry: string, readyMessage: string, nodeId: string, env: Record<string, string>): Promise<ClusterProcess> {
  const child = spawn(process.execPath, ["--import", "tsx", entry], { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  children.add(child);
  child.once("exit", () => children.delete(child));
  let output = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  return new Promise((resolve, reject) => {
    let pending = "";
    child.stdout?.on("data", (chunk: Buffer) => {
      output += chunk.toString();
      pending += chunk.toString();
      const lines = pending.split("\n");
      pending = lines.pop() ?? "";
      for (const line of lines) {
        const port = readyPort(line, readyMessage);
        if (port !== undefined) resolve(handle(child, port, nodeId, () => output));
      }
    });
    child.once("exit", (code) => reject(new Error(`${entry} exited (${code}) before ready:\n${output.slice(-2000)}`)));
  });
}

function readyPort(line: string, readyMessage: string): number | undefined {
  try {
    const entry = JSON.parse(line) as { msg?: string; port?: number };
    return entry.msg === readyMessage ? entry.port : undefined;
  } catch {
    return undefined;
  }
}

function handle(child: ChildProcess, port: number, nodeId: string, output: () => string): ClusterProcess {
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    nodeId,
    child,
    output,
    alive: () => child.exitCode === null && child.signalCode === null,
    stop: () => signal(child, "SIGTERM"),
    kill: () => signal(child, "SIGKILL"),
  };
}

function signal(child: ChildProcess, name: NodeJS.Signals): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once("exit", () => resolve());
    child.kill(name);
  });
}
