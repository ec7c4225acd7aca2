/** The generator's send loops and its latency samples. */
import { performance } from "node:perf_hooks";
import { quantile } from "../measure/stats.ts";

/** Latencies kept per run (a uniform sample beyond that). */
const MAX_SAMPLES = 200_000;

/** A uniform sample of at most MAX_SAMPLES latencies (reservoir sampling), and their quantiles. */
export class LatencySample {
  private readonly kept: number[] = [];
  private seen = 0;

  add(ms: number): void {
    this.seen++;
    if (this.kept.length < MAX_SAMPLES) this.kept.push(ms);
    else {
      const slot = Math.floor(Math.random() * this.seen);
      if (slot < MAX_SAMPLES) this.kept[slot] = ms;
    }
  }

  /** The p50 and p99 of what was sampled (NaN when nothing was). */
  quantiles(): { p50: number; p99: number } {
    const sorted = [...this.kept].sort((a, b) => a - b);
    return { p50: quantile(sorted, 0.5), p99: quantile(sorted, 0.99) };
  }
}

/** Sends at a fixed rate, on a 10 ms tick, without waiting for answers. */
export async function openLoop(rate: number, durationMs: number, sendOne: () => Promise<void>): Promise<void> {
  const pending: Promise<void>[] = [];
  const started = performance.now();
  let sent = 0;
  for (let elapsed = 0; elapsed < durationMs; elapsed = performance.now() - started) {
    const due = Math.floor((elapsed * rate) / 1000) - sent;
    for (let i = 0; i < due; i++) pending.push(sendOne());
    sent += Math.max(0, due);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  await Promise.all(pending);
}

/** Keeps `window` sends outstanding until the time is up. */
export async function closedLoop(window: number, durationMs: number, sendOne: () => Promise<void>): Promise<void> {
  const stopAt = performance.now() + durationMs;
  const lane = async (): Promise<void> => {
    while (performance.now() < stopAt) await sendOne();
  };
  await Promise.all(Array.from({ length: window }, lane));
}

/** Waits until `done()` (every owed delivery arrived), or `drainMs` passed. */
export async function settle(done: () => boolean, drainMs: number): Promise<void> {
  const deadline = performance.now() + drainMs;
  while (!done() && performance.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
}
