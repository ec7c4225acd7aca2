import type Router from "@koa/router";
import type { Middleware } from "koa";
import type { AppDeps } from "../app.ts";

/** GET /api/cluster: mode, ring epoch, this member, and every live member with its socket count. */
export function clusterRoutes(router: Router, deps: Pick<AppDeps, "registry" | "mode" | "nodeId">, auth: Middleware): void {
  router.get("/api/cluster", auth, async (ctx) => {
    const { epoch, members } = await deps.registry.read();
    ctx.body = {
      mode: deps.mode,
      epoch,
      self: deps.nodeId,
      members,
      totalSockets: members.reduce((sum, m) => sum + m.sockets, 0),
    };
  });
}
