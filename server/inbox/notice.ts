import type { Message } from "../messaging/message.ts";
import { MESSAGE_ID_PATTERN } from "./inbox.ts";

/**
 * What the append publishes for each new message: the message itself (so a member emits it
 * without reading the log back), the id before it in its log (a member that did not see that one
 * has a gap and reads the log instead), and the recipients the channel's member may hold.
 */
export interface Notice {
  message: Message;
  prev: string;
  userIds: string[];
}

/** Parses a notice as the append script writes it; undefined for anything else (never throws). */
export function decodeNotice(text: string): Notice | undefined {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof raw !== "object" || raw === null) return undefined;
  const { id, prev, message, users } = raw as Record<string, unknown>;
  if (typeof id !== "string" || !MESSAGE_ID_PATTERN.test(id) || typeof prev !== "string") return undefined;
  if (!Array.isArray(users) || !users.every((u) => typeof u === "string")) return undefined;
  if (typeof message !== "object" || message === null) return undefined;
  const draft = message as Omit<Message, "id">;
  if (typeof draft.from?.id !== "string" || typeof draft.body !== "string") return undefined;
  return { message: { id, ...draft }, prev, userIds: users };
}
