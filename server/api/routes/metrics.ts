import type Router from "@koa/router";
import type { Middleware } from "koa";
import type { Registry } from "prom-client";

/** GET /metrics: Prometheus text format, for operators (Authorization: Bearer <operator token>). */
export function metricsRoutes(router: Router, registry: Registry, operator: Middleware): void {
  router.get("/metrics", operator, async (ctx) => {
    ctx.type = registry.contentType;
    ctx.body = await registry.metrics();
  });
}
