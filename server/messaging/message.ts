import { z } from "zod";
import type { SendRequest as WireSendRequest, Target } from "../../protocol/message.ts";
import { ID_PATTERN } from "../school/school.ts";

// The wire shapes are the protocol's (protocol/message.ts).
export type { Message, SendReceipt, Target } from "../../protocol/message.ts";

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

type Same<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
// A compile error here: what the schema parses is not exactly the protocol's SendRequest.
const sameShape: Same<SendRequest, WireSendRequest> = true;
void sameShape;

export function targetOf(request: SendRequest): Target {
  return "user" in request.to ? { type: "user", id: request.to.user } : { type: "class", id: request.to.class };
}
