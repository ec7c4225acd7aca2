import { z } from "zod";
import { MESSAGE_ID_PATTERN } from "../inbox/inbox.ts";
import { ID_PATTERN } from "../school/school.ts";

/**
 * The schemas that validate REST input, in one place: the routes parse with them and the OpenAPI
 * document (openapi.ts) is generated from them, so the description cannot drift from the checks.
 */
export { sendRequestSchema } from "../messaging/message.ts";

/** Body of POST /api/login. */
export const loginSchema = z.strictObject({
  userId: z.string().regex(ID_PATTERN, "must be a user id"),
  password: z.string().min(1, "must not be empty").max(256, "must be at most 256 characters"),
});

/** Query of GET /api/messages. */
export const historyQuerySchema = z.strictObject({
  before: z.string().regex(MESSAGE_ID_PATTERN, "must be a message id such as 1795320000000-0").optional(),
  limit: z.coerce.number().int("must be a whole number").min(1, "must be at least 1").max(100, "must be at most 100").default(50),
});
