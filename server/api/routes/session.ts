import type Router from "@koa/router";
import type { Middleware } from "koa";
import type { LoginRequest, Me, Session } from "../../../protocol/rest.ts";
import { verifyPasswordOrDecoy } from "../../auth/passwords.ts";
import { RingcastError } from "../../errors.ts";
import { parseInput } from "../../validation.ts";
import type { AppDeps } from "../app.ts";
import { loginSchema } from "../request-schemas.ts";
import { claimsOf } from "../auth.ts";

/** POST /api/login (credentials -> token) and GET /api/me. */
export function sessionRoutes(router: Router, deps: Pick<AppDeps, "school" | "tokens" | "loginLimits" | "sessionGuard">, auth: Middleware): void {
  const limited: Middleware = deps.loginLimits?.middleware() ?? ((_ctx, next) => next());
  router.post("/api/login", limited, async (ctx) => {
    const { userId, password }: LoginRequest = parseInput(loginSchema, ctx.request.body, "login");
    const [user, hash] = await Promise.all([deps.school.getUser(userId), deps.school.getPasswordHash(userId)]);
    // Same answer for an unknown user and a wrong password: ids are not to be probed.
    const valid = await verifyPasswordOrDecoy(password, hash);
    if (!user || !valid) {
      throw new RingcastError("invalid_credentials", "unknown user or wrong password");
    }
    await deps.sessionGuard.checkAccount(user.id);
    const issued = await deps.tokens.issue({ userId: user.id, role: user.role });
    ctx.body = { ...issued, user } satisfies Session;
  });

  router.get("/api/me", auth, async (ctx) => {
    const { userId } = claimsOf(ctx);
    const [user, classIds] = await Promise.all([deps.school.getUser(userId), deps.school.classIdsOf(userId)]);
    if (!user) throw new RingcastError("invalid_token", "the account behind this token no longer exists");
    ctx.body = { ...user, classIds } satisfies Me;
  });
}
