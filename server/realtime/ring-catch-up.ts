import type { Handoff } from "../cluster/handoff.ts";
import type { RingcastServer, RingcastSocket } from "./types.ts";

export interface RingCatchUpOptions {
  /** Sockets read per step, and the pause between steps (ms), so a re-read is no spike. Default 200 and 20. */
  batchSize?: number;
  batchIntervalMs?: number;
}

/**
 * Hash mode: a message's notice goes to the member that owns the recipient in the sender's ring.
 * While the ring changes (a join, a member dropped and back after a missed lease), senders can
 * follow another ring than this member's and notify a member that does not hold the socket; the
 * message is in the log but nobody reads it for this socket. So after every change, once it has
 * settled, this member re-reads every local socket's log (from its cursor: nothing twice).
 */
export class RingCatchUp {
  private readonly timers = new Set<NodeJS.Timeout>();
  private unsubscribe: (() => void) | undefined;
  private readonly batchSize: number;
  private readonly batchIntervalMs: number;

  constructor(
    private readonly handoff: Pick<Handoff, "onMovement" | "timings">,
    private readonly io: RingcastServer,
    private readonly readSockets: (sockets: Iterable<RingcastSocket>) => void,
    options: RingCatchUpOptions = {},
  ) {
    this.batchSize = options.batchSize ?? 200;
    this.batchIntervalMs = options.batchIntervalMs ?? 20;
  }

  start(): void {
    this.unsubscribe = this.handoff.onMovement(({ moved }) => {
      if (!moved) return; // this process's first ring: its sockets are all new
      for (const delay of this.handoff.timings.catchUpMs) this.later(delay, () => this.readAll());
    });
  }

  close(): void {
    this.unsubscribe?.();
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }

  private readAll(): void {
    const sockets = [...this.io.of("/").sockets.values()];
    const step = (from: number): void => {
      this.readSockets(sockets.slice(from, from + this.batchSize));
      if (from + this.batchSize < sockets.length) this.later(this.batchIntervalMs, () => step(from + this.batchSize));
    };
    step(0);
  }

  private later(ms: number, run: () => void): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      run();
    }, ms);
    this.timers.add(timer);
  }
}
