import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { createServer } from "node:net";
import { ensureCommand } from "./system-command.ts";

/**
 * A redis-server child process on loopback, for the demo and the tests. Not for production:
 * there, run Redis as a service (with `appendonly yes`) and point REDIS_URL at it.
 */
export interface LocalRedis {
  readonly port: number;
  /** The running process's id (undefined while stopped). */
  readonly pid: number | undefined;
  readonly url: string;
  /** Stops the server; with `save`, writes its data first so a restart in `dir` reloads it. */
  stop(options?: { save?: boolean }): Promise<void>;
  /** SIGKILL (kill -9), as a crash: only what the append-only file holds survives a restart. */
  kill(): Promise<void>;
  /** Starts it again on the same port and directory. */
  restart(): Promise<void>;
}

/** Redis's `appendfsync`: when the append-only file is flushed to disk. */
export type AppendFsync = "always" | "everysec" | "no";
export const APPEND_FSYNC_VALUES: readonly AppendFsync[] = ["always", "everysec", "no"];

export interface LocalRedisOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  /** Working directory for its dump and append-only files; required to keep data across restart(). */
  dir?: string;
  /**
   * Append-only persistence (needs `dir`): every write is logged and replayed on restart, so a
   * crash loses at most the last second (`everysec`) or nothing that was acknowledged (`always`).
   * Off by default: a throwaway test Redis stays as fast as it can be.
   */
  appendFsync?: AppendFsync;
  /** Starts as a replica of the Redis on 127.0.0.1 at this port. */
  replicaOf?: number;
  /** More redis-server arguments, appended as given (e.g. cluster mode's). */
  extraArgs?: string[];
}

/**
 * RINGCAST_REDIS_APPENDFSYNC for a Redis the product starts itself (demo): `everysec` unless set.
 * Throws on anything else, so a typo never silently weakens durability.
 */
export function appendFsyncFromEnv(value = process.env.RINGCAST_REDIS_APPENDFSYNC): AppendFsync {
  if (value === undefined || value === "") return "everysec";
  if ((APPEND_FSYNC_VALUES as readonly string[]).includes(value)) return value as AppendFsync;
  throw new Error(`RINGCAST_REDIS_APPENDFSYNC must be one of ${APPEND_FSYNC_VALUES.join(", ")} (got "${value}")`);
}

/** redis-server arguments for `options`: RDB snapshots off; append-only on when asked for. */
export function redisServerArgs(port: number, options: Omit<LocalRedisOptions, "port"> = {}): string[] {
  const args = ["--port", String(port), "--bind", "127.0.0.1", "--save", ""];
  if (options.appendFsync) {
    if (!options.dir) throw new Error("append-only persistence needs a data directory (dir)");
    args.push("--appendonly", "yes", "--appendfsync", options.appendFsync);
  } else {
    args.push("--appendonly", "no");
  }
  if (options.dir) args.push("--dir", options.dir);
  if (options.replicaOf) args.push("--replicaof", "127.0.0.1", String(options.replicaOf));
  if (options.extraArgs) args.push(...options.extraArgs);
  return args;
}

/** Finds redis-server on PATH; installs Debian's package when running as root with apt. */
export function ensureRedisServerBinary(): string {
  return ensureCommand("redis-server", "redis-server", "macOS: brew install redis; or set REDIS_URL to a running Redis");
}

export async function startLocalRedis(options: LocalRedisOptions = {}): Promise<LocalRedis> {
  const binary = ensureRedisServerBinary();
  const port = options.port || (await freePort());
  const args = redisServerArgs(port, options);
  let child = await launch(binary, args, port);
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    get pid() {
      return child.exitCode === null && child.signalCode === null ? child.pid : undefined;
    },
    async stop({ save = false } = {}) {
      await stopChild(child, save, port);
    },
    async kill() {
      await killChild(child);
    },
    async restart() {
      child = await launch(binary, args, port);
    },
  };
}

/** A throwaway Redis must not outlive the demo or test run that started it. */
const running = new Set<ChildProcess>();
process.once("exit", () => {
  for (const child of running) child.kill("SIGKILL");
});

/** Spawns a Redis process and resolves once its log says `readyText`; rejects if it exits first. */
export function launch(binary: string, args: string[], port: number, readyText = "Ready to accept connections"): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(binary, args, { stdio: ["ignore", "pipe", "pipe"] });
    running.add(child);
    child.once("exit", () => running.delete(child));
    let output = "";
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      if (output.includes(readyText)) {
        child.stdout?.off("data", onData);
        child.stdout?.resume();
        resolve(child);
      }
    };
    child.stdout?.on("data", onData);
    child.stderr?.resume();
    child.once("exit", (code) => reject(new Error(`redis-server on port ${port} exited (${code}): ${output.slice(-500)}`)));
  });
}

/** SHUTDOWN SAVE writes a dump even with saving turned off; SIGTERM just stops. */
async function stopChild(child: ChildProcess, save: boolean, port: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  if (save) execFileSync("redis-cli", ["-p", String(port), "shutdown", "save"], { stdio: "ignore" });
  else child.kill("SIGTERM");
  await exited;
}

export async function killChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill("SIGKILL");
  await exited;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

