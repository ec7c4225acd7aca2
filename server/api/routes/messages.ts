import type Router from "@koa/router";
import type { Middleware } from "koa";
import { sendRequestSchema } from "../../messaging/message.ts";
import { parseInput } from "../../validation.ts";
import type { AppDeps } from "../app.ts";
import { claimsOf } from "../auth.ts";

/** POST /api/messages: `{ to: { user } | { class }, body }` -> 201 with the message id and recipient count. */
export function messageRoutes(router: Router, deps: Pick<AppDeps, "messages" | "maxMessageChars">, auth: Middleware): void {
  const schema = sendRequestSchema(deps.maxMessageChars);
  router.post("/api/messages", auth, async (ctx) => {
    const request = parseInput(schema, ctx.request.body, "message");
    ctx.status = 201;
    ctx.body = await deps.messages.send(claimsOf(ctx), request);
  });
}
