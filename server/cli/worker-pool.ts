import cluster, { type Worker } from "node:cluster";
import type { Logger } from "../log.ts";

export interface WorkerPoolOptions {
  size: number;
  /** Extra environment for every worker. */
  env: Record<string, string>;
  /** IPC message type a worker sends once it serves. */
  readyMessage: string;
  log: Logger;
  /** How long stop() waits for workers to exit before killing them (ms). Default 10000. */
  stopTimeoutMs?: number;
}

const RESTART_DELAY_MS = 1000;

/** Forks the workers, replaces any that die, and stops them all on request. */
export class WorkerPool {
  private stopping = false;
  private readonly restartTimers = new Set<NodeJS.Timeout>();

  constructor(private readonly options: WorkerPoolOptions) {}

  /** Resolves when every worker reported ready. */
  async start(): Promise<void> {
    cluster.on("exit", (worker, code, signal) => this.onExit(worker, code, signal));
    await Promise.all(Array.from({ length: this.options.size }, (_, index) => this.fork(index)));
  }

  async stop(): Promise<void> {
    this.stopping = true;
    for (const timer of this.restartTimers) clearTimeout(timer);
    this.restartTimers.clear();
    const workers = Object.values(cluster.workers ?? {}).filter((w): w is Worker => w !== undefined);
    await Promise.all(workers.map((worker) => this.stopWorker(worker)));
  }

  private fork(index: number): Promise<void> {
    const worker = cluster.fork({ ...this.options.env, RINGCAST_WORKER_INDEX: String(index) });
    indexOf.set(worker, index);
    return new Promise((resolve, reject) => {
      const onMessage = (message: unknown): void => {
        if ((message as { type?: unknown } | null)?.type !== this.options.readyMessage) return;
        worker.off("message", onMessage);
        worker.off("exit", onEarlyExit);
        resolve();
      };
      const onEarlyExit = (code: number): void => reject(new Error(`worker ${index} exited (${code}) before ready`));
      worker.on("message", onMessage);
      worker.once("exit", onEarlyExit);
    });
  }

  private onExit(worker: Worker, code: number, signal: string): void {
    if (this.stopping) return;
    const index = indexOf.get(worker) ?? 0;
    this.options.log.error({ index, code, signal }, "worker died; starting a replacement");
    const timer = setTimeout(() => {
      this.restartTimers.delete(timer);
      this.fork(index).catch((err: Error) => this.options.log.error({ err: err.message }, "replacement failed"));
    }, RESTART_DELAY_MS);
    this.restartTimers.add(timer);
  }

  private stopWorker(worker: Worker): Promise<void> {
    return new Promise((resolve) => {
      if (worker.isDead()) return resolve();
      const killer = setTimeout(() => worker.process.kill("SIGKILL"), this.options.stopTimeoutMs ?? 10_000);
      worker.once("exit", () => {
        clearTimeout(killer);
        resolve();
      });
      worker.process.kill("SIGTERM");
    });
  }
}

const indexOf = new WeakMap<Worker, number>();
