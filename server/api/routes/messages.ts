import type Router from "@koa/router";
import type { Middleware } from "koa";
import { RingcastError } from "../../errors.ts";
import { MESSAGE_ID_PATTERN } from "../../inbox/inbox.ts";
import { sendRequestSchema } from "../../messaging/message.ts";
import { parseInput } from "../../validation.ts";
import type { AppDeps } from "../app.ts";
import { claimsOf } from "../auth.ts";

/**
 * POST /api/messages: `{ to: { user } | { class }, body }` -> 201 with the message id and receipts.
 * GET /api/messages/:id: the delivery status per recipient, for the sender.
 */
export function messageRoutes(router: Router, deps: Pick<AppDeps, "messages" | "maxMessageChars">, auth: Middleware): void {
  const schema = sendRequestSchema(deps.maxMessageChars);
  router.post("/api/messages", auth, async (ctx) => {
    const request = parseInput(schema, ctx.request.body, "message");
    ctx.status = 201;
    ctx.body = await deps.messages.send(claimsOf(ctx), request);
  });

  router.get("/api/messages/:id", auth, async (ctx) => {
    const id = ctx.params.id ?? "";
    if (!MESSAGE_ID_PATTERN.test(id)) throw new RingcastError("invalid_request", "a message id looks like 1795320000000-0");
    ctx.body = await deps.messages.status(claimsOf(ctx).userId, id);
  });
}
