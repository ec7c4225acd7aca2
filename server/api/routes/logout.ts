import type Router from "@koa/router";
import type { Middleware } from "koa";
import type { AppDeps } from "../app.ts";
import { tokenOf } from "../auth.ts";

/**
 * POST /api/logout: revokes the bearer token until it would have expired, and closes the sockets
 * that use it on every member. Other tokens of the same user (other devices) stay valid.
 */
export function logoutRoutes(router: Router, deps: Pick<AppDeps, "sessionGuard">, auth: Middleware): void {
  router.post("/api/logout", auth, async (ctx) => {
    await deps.sessionGuard.revoke(tokenOf(ctx));
    ctx.status = 204;
  });
}
