/**
 * Errors a caller can act on. REST answers them as `{ error: { code, message } }` with `status`;
 * sockets answer them as `{ ok: false, error: { code, message } }` in the ack.
 */
export type ErrorCode =
  | "invalid_json"
  | "invalid_request"
  | "unsupported_media_type"
  | "payload_too_large"
  | "missing_token"
  | "invalid_token"
  | "token_expired"
  | "invalid_credentials"
  | "forbidden"
  | "not_found"
  | "method_not_allowed"
  | "wrong_member"
  | "rate_limited"
  | "data_lost"
  | "service_unavailable"
  | "internal_error";

const STATUS: Record<ErrorCode, number> = {
  invalid_json: 400,
  invalid_request: 400,
  unsupported_media_type: 415,
  payload_too_large: 413,
  missing_token: 401,
  invalid_token: 401,
  token_expired: 401,
  invalid_credentials: 401,
  forbidden: 403,
  not_found: 404,
  method_not_allowed: 405,
  wrong_member: 421,
  rate_limited: 429,
  data_lost: 503,
  service_unavailable: 503,
  internal_error: 500,
};

export class RingcastError extends Error {
  readonly status: number;

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = "RingcastError";
    this.status = STATUS[code];
  }

  toJSON(): { code: ErrorCode; message: string; details?: unknown } {
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

  override toJSON(): { code: "rate_limited"; message: string; retryAfterMs: number } {
    return { code: "rate_limited", message: this.message, retryAfterMs: this.retryAfterMs };
  }
}

/** The error shape both transports send; anything unexpected is reported without internals. */
export function toPublicError(err: unknown): RingcastError {
  if (err instanceof RingcastError) return err;
  return new RingcastError("internal_error", "internal error; it has been logged");
}
