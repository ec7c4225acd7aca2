import { z } from "zod";
import { ID_PATTERN } from "../school/school.ts";

/** Who a message is addressed to. */
export type Target = { type: "user"; id: string } | { type: "class"; id: string };

/** What recipients receive as the `message` event. */
export interface Message {
  id: string;
  from: { id: string; name: string };
  to: Target;
  body: string;
  sentAt: string;
}

/** What the sender gets back. */
export interface SendReceipt {
  id: string;
  to: Target;
  /** How many users the message was addressed to (1 for a direct message, the class size otherwise). */
  recipients: number;
  sentAt: string;
  /** Per recipient: "live" when they had a socket connected (delivery under way), else "stored" for replay. */
  receipts: { userId: string; status: "live" | "stored" }[];
}

const id = z.string().regex(ID_PATTERN, "must be an id (letters, digits, '.', '_', '-'; at most 64)");

/** Body of POST /api/messages and payload of the `message:send` socket event. */
export function sendRequestSchema(maxChars: number) {
  const to = z.union([z.strictObject({ user: id }), z.strictObject({ class: id })], {
    error: (issue) => (issue.input === undefined ? "is required" : 'must be { "user": "<id>" } or { "class": "<id>" }'),
  });
  return z.strictObject({
    to,
    body: z
      .string()
      .trim()
      .min(1, "must not be empty")
      .max(maxChars, `must be at most ${maxChars} characters`),
  });
}

export type SendRequest = z.infer<ReturnType<typeof sendRequestSchema>>;

export function targetOf(request: SendRequest): Target {
  return "user" in request.to ? { type: "user", id: request.to.user } : { type: "class", id: request.to.class };
}
