/**
 * The plain-emit server's REST side: Koa with the same `POST /api/messages` body as ringcast
 * (`{ to: { user } | { class }, body }`, `Authorization: Bearer <token>`), answered by one
 * `io.to(room).emit`: nothing stored, the token taken as the user id unverified. It is what a
 * socket.io app without durability does, the baseline of the REST scenarios.
 */
import { bodyParser } from "@koa/bodyparser";
import Router from "@koa/router";
import Koa from "koa";
import type { Server } from "socket.io";

interface SendBody {
  to?: { user?: unknown; class?: unknown };
  body?: unknown;
}

const isId = (value: unknown): value is string => typeof value === "string" && value.length > 0 && value.length <= 64;

export function plainRestApp(io: Server, nextId: () => string): Koa {
  const app = new Koa();
  const router = new Router();
  router.post("/api/messages", (ctx) => {
    const from = /^Bearer\s+(\S+)$/i.exec(ctx.get("authorization"))?.[1];
    if (!from) {
      ctx.status = 401;
      ctx.body = { error: { code: "missing_token", message: "send Authorization: Bearer <token>" } };
      return;
    }
    const { to, body } = (ctx.request.body ?? {}) as SendBody;
    const room = isId(to?.user) ? `user:${to.user}` : isId(to?.class) ? `class:${to.class}` : undefined;
    if (!room || typeof body !== "string") {
      ctx.status = 400;
      ctx.body = { error: { code: "invalid_request", message: 'send { "to": { "user" | "class": "<id>" }, "body": "..." }' } };
      return;
    }
    const id = nextId();
    io.to(room).emit("message", { id, from: { id: from }, body });
    ctx.status = 201;
    ctx.body = { id };
  });
  app.use(bodyParser());
  app.use(router.routes());
  return app;
}
