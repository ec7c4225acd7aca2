import type { RedisClient } from "./connect.ts";
import { RingcastError, UnavailableError } from "../errors.ts";
import type { Logger } from "../log.ts";
import { readDatasetMarker } from "./dataset-marker.ts";
import {
  type DatasetEvent,
  type DatasetState,
  datasetProblem,
  disconnected,
  INITIAL_DATASET_STATE,
  observe,
} from "./dataset-state.ts";

export interface DatasetGuardOptions {
  /** How often the marker is read again (ms); it is also read on every reconnect. */
  intervalMs: number;
  /**
   * Re-creates the dataset after a loss (the demo school); the guard then takes on its marker.
   * Without it, a lost dataset stays refused until it is restored or re-seeded from outside.
   */
  reseed?: () => Promise<void>;
}

/**
 * Watches the dataset marker on the store connection: read at start, on every reconnect and every
 * interval. While the data is lost (or not yet checked after a reconnect), `refusal()` gives the
 * error every store operation answers with (see redis/guard.ts), and `/readyz` says why.
 */
export class DatasetGuard {
  private state: DatasetState = INITIAL_DATASET_STATE;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private reseeding = false;

  constructor(
    private readonly redis: RedisClient,
    private readonly prefix: string,
    private readonly log: Logger,
    private readonly options: DatasetGuardOptions,
  ) {
    redis.on("close", () => {
      this.state = disconnected(this.state);
    });
    redis.on("ready", () => void this.check());
  }

  /** Reads the marker once (resolves when done) and keeps checking until close(). */
  async start(): Promise<void> {
    await this.check();
    this.timer ??= setInterval(() => void this.check(), this.options.intervalMs);
    this.timer.unref();
  }

  close(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Why the member cannot serve from Redis now, or undefined. */
  problem(): string | undefined {
    return datasetProblem(this.state);
  }

  /** "ok", "fresh" (nothing seeded yet), "unverified" or "lost", for health answers. */
  status(): DatasetState["kind"] {
    return this.state.kind;
  }

  /** The error a store operation on `what` answers with now, or undefined when it may go ahead. */
  refusal(what: string): RingcastError | undefined {
    if (this.state.kind === "unverified") return new UnavailableError(what);
    const problem = datasetProblem(this.state);
    return problem === undefined ? undefined : new RingcastError("data_lost", problem);
  }

  /** Reads the marker; overlapping calls run once more after the current one, never in parallel. */
  check(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = this.readAndApply().finally(() => {
      this.running = undefined;
      if (this.again) {
        this.again = false;
        void this.check();
      }
    });
    return this.running;
  }

  private async readAndApply(): Promise<void> {
    if (this.redis.status !== "ready") return;
    let current: string | undefined;
    try {
      current = await readDatasetMarker(this.redis, this.prefix);
    } catch (err) {
      // Redis away or busy: an outage, not a loss; the next check or reconnect tries again.
      this.log.debug({ err }, "dataset marker not read");
      return;
    }
    const { state, event } = observe(this.state, current, { adoptChanged: this.options.reseed !== undefined });
    this.state = state;
    if (event) this.report(event);
    if (state.kind === "lost" && state.reason === "missing") this.reseed();
  }

  private report(event: DatasetEvent): void {
    switch (event.kind) {
      case "adopted":
        this.log.info({ marker: event.marker }, "dataset marker found: serving this dataset");
        return;
      case "lost":
        this.log.error(
          { reason: event.reason, marker: event.known, found: event.current ?? null },
          datasetProblem(this.state) ?? "Redis lost its data",
        );
        return;
      case "restored":
        this.log.info({ marker: event.marker }, "Redis data is back (dataset marker found again): serving again");
        return;
      case "replaced":
        this.log.warn(
          { marker: event.marker, previous: event.previous },
          "Redis holds a new dataset (re-seeded after a loss): serving it; what the lost one held is gone",
        );
    }
  }

  private reseed(): void {
    const reseed = this.options.reseed;
    if (!reseed || this.reseeding) return;
    this.reseeding = true;
    this.log.warn("re-seeding the demo school after the data loss (RINGCAST_SEED_DEMO=true)");
    reseed()
      .then(() => this.check())
      .catch((err: unknown) => this.log.error({ err }, "re-seeding after the data loss failed"))
      .finally(() => {
        this.reseeding = false;
      });
  }
}
