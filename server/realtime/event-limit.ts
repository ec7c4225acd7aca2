import { RateLimiterMemory, RateLimiterRes } from "rate-limiter-flexible";
import type { Limit } from "../config/config.ts";
import { RateLimitedError } from "../errors.ts";
import type { Logger } from "../log.ts";
import type { RingcastSocket } from "./types.ts";

/**
 * A connection that keeps sending this many times its budget within one window is disconnected:
 * it ignores the refusals, so answering each one would only cost the member more.
 */
const FLOOD_FACTOR = 3;

/**
 * Events per connection, counted on this member (a connection lives on one member, so no Redis
 * round trip is needed). An event past the budget is dropped and its ack, if it has one, answered
 * `{ ok: false, error: { code: "rate_limited", retryAfterMs } }`.
 */
export function eventLimit(limit: Limit, log: Logger): (socket: RingcastSocket) => void {
  const limiter = new RateLimiterMemory({ points: limit.points, duration: limit.seconds });
  const disconnectAt = limit.points * FLOOD_FACTOR;
  return (socket) => {
    socket.use((event, next) => {
      limiter.consume(socket.id).then(
        () => next(),
        (refused: unknown) => {
          const state = refused instanceof RateLimiterRes ? refused : undefined;
          const error = new RateLimitedError("events on this connection", Math.max(1, state?.msBeforeNext ?? 1000));
          const ack = event.at(-1);
          if (typeof ack === "function") ack({ ok: false, error: error.toJSON() });
          if (state && state.consumedPoints > disconnectAt) {
            log.info({ userId: socket.data.userId, events: state.consumedPoints, seconds: limit.seconds }, "socket flooding past its event limit: disconnected");
            socket.disconnect(true);
          }
        },
      );
    });
    socket.once("disconnect", () => void limiter.delete(socket.id).catch(() => undefined));
  };
}
