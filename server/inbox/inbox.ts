import type { Message } from "../messaging/message.ts";

/** A message as stored before it has an id: the id is given by the log when it is appended. */
export type MessageDraft = Omit<Message, "id">;

/** What a reader gets after a cursor. */
export interface InboxPage {
  messages: Message[];
  /** True when entries after the cursor were already trimmed away (length or age cap). */
  truncated: boolean;
}

/**
 * Per-user message logs. Ids are cluster-wide, unique and increasing ("<ms>-<seq>"), the same id
 * in every recipient's log, so a client resumes from the last id it saw.
 */
export interface InboxStore {
  /** Appends to every recipient's log at once (all or none) and returns the message's id. */
  append(draft: MessageDraft, recipientIds: readonly string[]): Promise<string>;
  /** Up to `count` messages after `afterId` (exclusive), oldest first. */
  readAfter(userId: string, afterId: string, count: number): Promise<InboxPage>;
  /** The id of the newest message in the user's log, or "0-0". */
  tail(userId: string): Promise<string>;
}

// One definition for server and client: both order ids the same way.
export { compareIds, MESSAGE_ID_PATTERN } from "../../client/message-id.ts";
