/** A connection the closer can close: a Socket.IO socket (its transport is closed, not the socket). */
export interface Closable {
  readonly connected: boolean;
  readonly conn: { close(): void };
}

export interface PacedCloserOptions<S extends Closable> {
  /** Transports closed per step. */
  batchSize: number;
  /** Mean pause between steps (ms), jittered ±50% so a ring change does not become a reconnect storm. */
  intervalMs: number;
  /** Checked again as each socket's turn comes (the ring may have changed back). Default: always. */
  stillToClose?: (socket: S) => boolean;
}

/**
 * Closes sockets' transports in paced batches, with no disconnect packet, so a stock client
 * reconnects by itself (through a router, to its owner). One list at a time: a new list replaces
 * what was still waiting.
 */
export class PacedCloser<S extends Closable> {
  private queue: S[] = [];
  private timer: NodeJS.Timeout | undefined;
  /** Transports closed so far, paced or at once. */
  closed = 0;

  constructor(private readonly options: PacedCloserOptions<S>) {}

  /** Sockets still waiting for their turn. */
  get pending(): number {
    return this.queue.length;
  }

  /** Starts closing these sockets (replacing any list under way). */
  closeAll(sockets: S[]): void {
    clearTimeout(this.timer);
    this.queue = [...sockets];
    this.step();
  }

  /** Closes one socket's transport now. */
  closeNow(socket: S): void {
    socket.conn.close();
    this.closed++;
  }

  /** Forgets what was waiting and clears the timer. */
  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.queue = [];
  }

  private step(): void {
    this.timer = undefined;
    for (const socket of this.queue.splice(0, this.options.batchSize)) {
      if (!socket.connected || (this.options.stillToClose && !this.options.stillToClose(socket))) continue;
      this.closeNow(socket);
    }
    if (this.queue.length === 0) return;
    this.timer = setTimeout(() => this.step(), this.options.intervalMs * (0.5 + Math.random()));
  }
}
