/**
 * Counts work a member must finish before it exits: sends between being accepted and being
 * acknowledged. A send cut off half-way leaves its sender unsure whether it went through.
 */
export class InFlight {
  private pending = 0;
  private waiters: (() => void)[] = [];

  get size(): number {
    return this.pending;
  }

  track<T>(work: Promise<T>): Promise<T> {
    this.pending++;
    return work.finally(() => {
      this.pending--;
      // The caller still has to answer (an ack, an HTTP response) once `work` settles; that runs in
      // the microtasks queued now, so wake the waiters only after them.
      if (this.pending === 0) setImmediate(() => this.wakeIfIdle());
    });
  }

  private wakeIfIdle(): void {
    if (this.pending > 0) return;
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }

  /** Resolves true once nothing is in flight, or false when `deadline` (epoch ms) comes first. */
  settled(deadline: number): Promise<boolean> {
    if (this.pending === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), Math.max(0, deadline - Date.now()));
      this.waiters.push(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }
}
