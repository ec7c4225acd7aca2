import type { Message, Target } from "../messaging/message.ts";

/** A message as stored before it has an id: the id is given by the log when it is appended. */
export type MessageDraft = Omit<Message, "id">;

/** What a reader gets after a cursor. */
export interface InboxPage {
  messages: Message[];
  /** True when entries after the cursor were already trimmed away (length or age cap). */
  truncated: boolean;
  /** The newest id this page covers (the next read starts after it); the cursor when it is empty. */
  position: string;
  /** True when the page is full: there may be more after `position`. */
  more: boolean;
}

/** Where the notice of a new message goes: a member's notice channel, and its recipients there. */
export interface NoticeRoute {
  /** The member whose channel carries it; "" for the channel every member hears (broadcast mode). */
  member: string;
  userIds: readonly string[];
}

/** What a sender's index keeps of a message it sent (for its delivery status). */
export interface SentMessage {
  to: Target;
  sentAt: string;
  /** False once the message was trimmed from its log (by length or age). */
  kept: boolean;
  /**
   * The message's id in each log group (index = group): a class message is one copy per group,
   * and a recipient has it once its position reaches its group's copy. One group: just the id.
   */
  copies: readonly string[];
}

/** A page of history, older than a point. */
export interface HistoryPage {
  /** Oldest first. */
  messages: Message[];
  /** Where the next (older) page starts: pass it as `before`; undefined when there is no more. */
  before: string | undefined;
  /** The newest id this page covers (the first page: where a live session resumes). */
  newest: string | undefined;
}

/**
 * Message logs, one per conversation (a class; one sender's direct messages to one user). Ids are
 * unique and increase over every log a user follows ("<ms>-<seq>"), so a user's history is the
 * merge of the logs it follows and a client resumes everything from the last id it saw.
 */
export interface InboxStore {
  /**
   * Appends the message to its conversation's log, publishes its notice on every route in the
   * same atomic step (so notices are heard in id order), and returns its id (a class message's
   * id in its teacher's log group).
   */
  append(draft: MessageDraft, routes?: readonly NoticeRoute[]): Promise<string>;
  /** Up to `count` messages for `userId` after `afterId` (exclusive), oldest first. */
  readAfter(userId: string, afterId: string, count: number): Promise<InboxPage>;
  /** Up to `count` of the newest messages for `userId` before `beforeId` (or the newest of all). */
  readBefore(userId: string, beforeId: string | undefined, count: number): Promise<HistoryPage>;
  /** The id of the newest message for the user, or "0-0". */
  tail(userId: string): Promise<string>;
  /** A message `senderId` sent, while its index keeps it. */
  locate(senderId: string, id: string): Promise<SentMessage | undefined>;
}

// One definition for server and client: both order ids the same way.
export { compareIds, MESSAGE_ID_PATTERN } from "../../protocol/message-id.ts";
