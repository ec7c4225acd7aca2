import type { RedisClient } from "../redis/connect.ts";
import type { Middleware } from "koa";
import { clientAddress } from "../api/client-address.ts";
import type { RateLimits } from "../config/config.ts";
import { RingcastError } from "../errors.ts";
import { ID_PATTERN } from "../school/school.ts";
import { ClusterLimit, limitKeyPrefix } from "./rate-limits.ts";

/**
 * POST /api/login's limits, cluster-wide: every attempt counts against the client's address; only a
 * failed one counts against the user id, and a user id whose failures are spent is refused before
 * its password is checked (guessing stops; the real user waits out the window or signs in
 * successfully elsewhere, which gives the budget back).
 */
export class LoginLimits {
  private readonly perAddress: ClusterLimit;
  private readonly failuresPerUser: ClusterLimit;

  constructor(
    redis: RedisClient,
    redisPrefix: string,
    limits: Pick<RateLimits, "loginsPerAddress" | "loginFailuresPerUser">,
    /** Peers whose X-Forwarded-For names the client (the gateway). */
    private readonly trustedProxies: ReadonlySet<string> = new Set(),
  ) {
    this.perAddress = new ClusterLimit(redis, limitKeyPrefix(redisPrefix, "login-address"), limits.loginsPerAddress, "login attempts from this address", "signing in");
    this.failuresPerUser = new ClusterLimit(redis, limitKeyPrefix(redisPrefix, "login-failures"), limits.loginFailuresPerUser, "failed logins for this user", "signing in");
  }

  /** Koa middleware around the login handler. */
  middleware(): Middleware {
    return async (ctx, next) => {
      const userId = userIdOf(ctx.request.body);
      // Behind the gateway every client would share the gateway's address: its forwarded one counts.
      await Promise.all([this.perAddress.consume(clientAddress(ctx, this.trustedProxies)), userId === undefined ? undefined : this.failuresPerUser.refuseIfSpent(userId)]);
      try {
        await next();
      } catch (err) {
        if (userId !== undefined && err instanceof RingcastError && err.code === "invalid_credentials") {
          // Counted before the 401 is answered, so the next attempt sees it. Past the budget the
          // answer is still this 401; the next attempt is the one refused.
          await this.failuresPerUser.consume(userId).catch(() => undefined);
        }
        throw err;
      }
      if (userId !== undefined) await this.failuresPerUser.forget(userId);
    };
  }
}

/** The body's user id when it looks like one (anything else is refused by the handler's schema). */
function userIdOf(body: unknown): string | undefined {
  const userId = typeof body === "object" && body !== null ? (body as { userId?: unknown }).userId : undefined;
  return typeof userId === "string" && ID_PATTERN.test(userId) ? userId : undefined;
}
