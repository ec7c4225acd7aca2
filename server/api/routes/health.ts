import type Router from "@koa/router";
import type { AppDeps } from "../app.ts";

/** Liveness (the process answers) and readiness (it can reach Redis). No token needed. */
export function healthRoutes(router: Router, deps: Pick<AppDeps, "redisReady" | "nodeId">): void {
  router.get("/healthz", (ctx) => {
    ctx.body = { status: "ok", node: deps.nodeId };
  });
  router.get("/readyz", (ctx) => {
    const ready = deps.redisReady();
    ctx.status = ready ? 200 : 503;
    ctx.body = { status: ready ? "ready" : "unavailable", node: deps.nodeId, redis: ready ? "up" : "down" };
  });
}
