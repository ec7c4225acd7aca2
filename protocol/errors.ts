/**
 * Errors a caller can act on. REST answers them as `{ error: { code, message } }` with the code's
 * HTTP status; sockets as `{ ok: false, error: { code, message } }` in the ack, and a refused
 * handshake as a connect_error whose `data` is `{ code }`.
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

/** The HTTP status REST answers each code with. */
export const ERROR_STATUS: Readonly<Record<ErrorCode, number>> = {
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

/** A refusal, in a REST body and in a socket ack alike. */
export interface ErrorBody {
  code: ErrorCode;
  message: string;
  /** Which fields were invalid (invalid_request), when known. */
  details?: unknown;
  /** rate_limited on a socket: when to try again (REST says it in Retry-After). */
  retryAfterMs?: number;
}

/** The body of every refused REST request. */
export interface ErrorResponse {
  error: ErrorBody;
}

/** `err.data` of a refused handshake's connect_error. */
export interface ConnectErrorData {
  code: ErrorCode;
}
