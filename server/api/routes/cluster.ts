import type Router from "@koa/router";
import type { Middleware } from "koa";
import type { ClusterView, Route } from "../../../protocol/cluster.ts";
import type { AppDeps } from "../app.ts";
import { claimsOf } from "../auth.ts";
import { RingcastError } from "../../errors.ts";

/**
 * GET /api/cluster (operators only): mode, ring epoch, this member, every live member with its URL,
 * sockets, adapter counters and (hash mode) share of the ring. GET /api/route (any signed-in
 * user): which member URL serves the caller.
 */
export function clusterRoutes(
  router: Router,
  deps: Pick<AppDeps, "registry" | "mode" | "nodeId" | "ringShares" | "locator">,
  auth: Middleware,
  operator: Middleware,
): void {
  router.get("/api/cluster", operator, async (ctx) => {
    const { epoch, members } = await deps.registry.read();
    const shares = deps.ringShares();
    ctx.body = {
      mode: deps.mode,
      epoch,
      self: deps.nodeId,
      members: members.map((m) => (shares ? { ...m, ringShare: shares.get(m.id) ?? 0 } : m)),
      totalSockets: members.reduce((sum, m) => sum + m.sockets, 0),
    } satisfies ClusterView;
  });

  router.get("/api/route", auth, (ctx) => {
    const { userId } = claimsOf(ctx);
    const member = deps.locator.locate(userId);
    if (!member) throw new RingcastError("service_unavailable", "no member is serving yet; retry shortly");
    ctx.body = { userId, mode: deps.mode, ...(member.epoch === undefined ? {} : { epoch: member.epoch }), member: { id: member.id, url: member.url } } satisfies Route;
  });
}
