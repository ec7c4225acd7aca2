import { ERROR_STATUS, type ErrorBody, type ErrorCode } from "../protocol/errors.ts";

/** The codes and their HTTP statuses are the protocol's (protocol/errors.ts). */
export type { ErrorCode } from "../protocol/errors.ts";

export class RingcastError extends Error {
  readonly status: number;

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = "RingcastError";
    this.status = ERROR_STATUS[code];
  }

  toJSON(): ErrorBody {
    return this.details === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, details: this.details };
  }
}

/** Thrown by stores when Redis cannot be reached; answered as 503 with Retry-After. */
export class UnavailableError extends RingcastError {
  constructor(what: string) {
    super("service_unavailable", `${what} is unavailable (Redis unreachable); retry shortly`);
    this.name = "UnavailableError";
  }
}

/**
 * The primary stored a message but not enough replicas confirmed it in time (a failover may be
 * under way): not acknowledged, since a failover now could lose it. It may still be delivered.
 */
export class ReplicationError extends RingcastError {
  constructor(wanted: number, confirmed: number) {
    super(
      "service_unavailable",
      `the message log's replicas did not confirm the message in time (${confirmed} of ${wanted}); it is not acknowledged and may or may not be delivered: check its status or retry shortly`,
    );
    this.name = "ReplicationError";
  }
}

/**
 * A limit was hit: REST answers 429 with Retry-After, sockets `{ ok: false, error: { code:
 * "rate_limited", message, retryAfterMs } }`.
 */
export class RateLimitedError extends RingcastError {
  constructor(
    what: string,
    readonly retryAfterMs: number,
  ) {
    super("rate_limited", `too many ${what}; retry in ${Math.ceil(retryAfterMs / 1000)} s`);
    this.name = "RateLimitedError";
  }

  override toJSON(): ErrorBody & { code: "rate_limited"; retryAfterMs: number } {
    return { code: "rate_limited", message: this.message, retryAfterMs: this.retryAfterMs };
  }
}

/** The error shape both transports send; anything unexpected is reported without internals. */
export function toPublicError(err: unknown): RingcastError {
  if (err instanceof RingcastError) return err;
  return new RingcastError("internal_error", "internal error; it has been logged");
}
