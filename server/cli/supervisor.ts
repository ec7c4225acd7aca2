import { type ChildProcess, spawn } from "node:child_process";

export interface SupervisedProcess {
  name: string;
  /** A TypeScript entry point, run with `node --import tsx`. */
  entry: string;
  env: Record<string, string | undefined>;
}

/** Restarts a process that died at most this often per window, so a crash loop does not spin. */
const MAX_RESTARTS = 5;
const RESTART_WINDOW_MS = 60_000;
const RESTART_DELAY_MS = 1000;
const STOP_GRACE_MS = 12_000;

/**
 * Runs a few processes and keeps them running: one that exits on its own (a crash, a `kill -9`) is
 * restarted after a second and the others are left alone (unlike foreman, which stops them all).
 * `stop()` sends SIGTERM to every process and waits for them, SIGKILL after a grace period.
 */
export class Supervisor {
  status: "running" | "stopping" | "stopped" = "running";
  private readonly children = new Map<string, ChildProcess>();
  private readonly restarts = new Map<string, number[]>();
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(private readonly say: (line: string) => void) {}

  start(process: SupervisedProcess): void {
    const child = spawn(globalThis.process.execPath, ["--import", "tsx", process.entry], { stdio: "inherit", env: { ...globalThis.process.env, ...process.env } });
    this.children.set(process.name, child);
    this.say(`${process.name} started (pid ${child.pid})`);
    child.once("exit", (code, signal) => this.exited(process, code, signal));
  }

  async stop(): Promise<void> {
    if (this.status !== "running") return;
    this.status = "stopping";
    for (const timer of this.timers) clearTimeout(timer);
    const exits = [...this.children.values()].filter((c) => c.exitCode === null && c.signalCode === null).map((c) => new Promise((resolve) => c.once("exit", resolve)));
    for (const child of this.children.values()) child.kill("SIGTERM");
    const force = setTimeout(() => {
      for (const child of this.children.values()) child.kill("SIGKILL");
    }, STOP_GRACE_MS);
    await Promise.all(exits);
    clearTimeout(force);
    this.status = "stopped";
  }

  private exited(process: SupervisedProcess, code: number | null, signal: NodeJS.Signals | null): void {
    if (this.status !== "running") return;
    const now = Date.now();
    const recent = (this.restarts.get(process.name) ?? []).filter((at) => now - at < RESTART_WINDOW_MS);
    if (recent.length >= MAX_RESTARTS) {
      this.say(`${process.name} exited (${signal ?? code}) ${MAX_RESTARTS} times within a minute: not restarting it`);
      return;
    }
    this.restarts.set(process.name, [...recent, now]);
    this.say(`${process.name} exited (${signal ?? `code ${code}`}); the others keep running; restarting it in ${RESTART_DELAY_MS / 1000} s`);
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (this.status === "running") this.start(process);
    }, RESTART_DELAY_MS);
    this.timers.add(timer);
  }
}
