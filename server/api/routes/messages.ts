import type Router from "@koa/router";
import type { Middleware } from "koa";
import type { HistoryPage, MessageStatus, SendReceipt } from "../../../protocol/index.ts";
import { MESSAGE_ID_PATTERN } from "../../../protocol/message-id.ts";
import { RingcastError } from "../../errors.ts";
import { parseInput } from "../../validation.ts";
import type { AppDeps } from "../app.ts";
import { historyQuerySchema, sendRequestSchema } from "../request-schemas.ts";
import { claimsOf } from "../auth.ts";

/**
 * POST /api/messages: `{ to: { user } | { class }, body }` -> 201 with the message id and receipts.
 * GET /api/messages?before=&limit=: the caller's history, a page at a time (newest page first).
 * GET /api/messages/:id: the delivery status per recipient, for the sender.
 */
export function messageRoutes(router: Router, deps: Pick<AppDeps, "messages" | "maxMessageChars">, auth: Middleware): void {
  const schema = sendRequestSchema(deps.maxMessageChars);
  router.post("/api/messages", auth, async (ctx) => {
    const request = parseInput(schema, ctx.request.body, "message");
    ctx.status = 201;
    ctx.body = (await deps.messages.send(claimsOf(ctx), request)) satisfies SendReceipt;
  });

  router.get("/api/messages", auth, async (ctx) => {
    const { before, limit } = parseInput(historyQuerySchema, ctx.query, "history query");
    const page = await deps.messages.history(claimsOf(ctx).userId, before, limit);
    // The first page also says where a live session resumes so that nothing is shown twice or missed.
    const body: HistoryPage = { messages: page.messages, before: page.before ?? null };
    ctx.body = before === undefined ? { ...body, lastMessageId: page.newest ?? "0-0" } : body;
  });

  router.get("/api/messages/:id", auth, async (ctx) => {
    const id = ctx.params.id ?? "";
    if (!MESSAGE_ID_PATTERN.test(id)) throw new RingcastError("invalid_request", "a message id looks like 1795320000000-0");
    ctx.body = (await deps.messages.status(claimsOf(ctx).userId, id)) satisfies MessageStatus;
  });
}
