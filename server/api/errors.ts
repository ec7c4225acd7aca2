import type { Context, Next } from "koa";
import { RateLimitedError, RingcastError, toPublicError } from "../errors.ts";
import type { Logger } from "../log.ts";
import { countRefusal, type MessageCounters } from "../metrics/counters.ts";

/** Seconds a client should wait before retrying a 503. */
const RETRY_AFTER_SECONDS = 2;

/** The one error middleware: every failure becomes `{ error: { code, message } }` with its status. */
export function errorMiddleware(log: Logger, counters?: MessageCounters) {
  return async (ctx: Context, next: Next): Promise<void> => {
    try {
      await next();
      if (ctx.body === undefined && ctx.status === 404) {
        throw new RingcastError("not_found", `no route ${ctx.method} ${ctx.path}`);
      }
      if (ctx.body === undefined && (ctx.status === 405 || ctx.status === 501)) {
        throw new RingcastError("method_not_allowed", `${ctx.method} is not allowed on ${ctx.path}`);
      }
    } catch (err) {
      const error = toPublicError(err);
      if (error.code === "internal_error") log.error({ err, path: ctx.path }, "request failed");
      countRefusal(counters, error.code);
      ctx.status = error.status;
      if (error.status === 503) ctx.set("Retry-After", String(RETRY_AFTER_SECONDS));
      if (error instanceof RateLimitedError) ctx.set("Retry-After", String(Math.max(1, Math.ceil(error.retryAfterMs / 1000))));
      ctx.body = { error: error.toJSON() };
    }
  };
}

/** Turns the body parser's errors (co-body / raw-body) into ringcast's. */
export function bodyParserError(err: Error & { status?: number; type?: string }): never {
  if (err.status === 413 || err.type === "entity.too.large") {
    throw new RingcastError("payload_too_large", "request body is too large");
  }
  if (err.status === 415) throw new RingcastError("unsupported_media_type", "send the body as application/json");
  if (/only supports object and array/.test(err.message)) {
    throw new RingcastError("invalid_request", "the request body must be a JSON object");
  }
  throw new RingcastError("invalid_json", `request body is not valid JSON: ${err.message}`);
}

/** Refuses a body that is not JSON before it is parsed, instead of treating it as empty. */
export async function requireJson(ctx: Context, next: Next): Promise<void> {
  if (ctx.request.length && !ctx.is("application/json")) {
    throw new RingcastError("unsupported_media_type", "send the body as application/json");
  }
  await next();
}
