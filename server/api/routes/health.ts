import type Router from "@koa/router";
import type { AppDeps } from "../app.ts";

/**
 * Liveness (the process answers) and readiness (it can reach Redis, and Redis still holds the
 * dataset this member serves). No token needed, so nothing internal (ids, URLs) is in them:
 * operators read /api/cluster.
 */
export function healthRoutes(
  router: Router,
  deps: Pick<AppDeps, "redisReady"> & { datasetProblem?: () => string | undefined },
): void {
  router.get("/healthz", (ctx) => {
    ctx.body = { status: "ok" };
  });
  router.get("/readyz", (ctx) => {
    const redisUp = deps.redisReady();
    const problem = redisUp ? deps.datasetProblem?.() : undefined;
    const ready = redisUp && problem === undefined;
    ctx.status = ready ? 200 : 503;
    ctx.body = {
      status: ready ? "ready" : "unavailable",
      redis: redisUp ? "up" : "down",
      ...(problem === undefined ? {} : { reason: problem }),
    };
  });
}
