/** Socket.IO events between a client and a member, by direction, with their payloads. */
import type { Mode } from "./cluster.ts";
import type { ErrorBody } from "./errors.ts";
import type { Message, SendReceipt, SendRequest } from "./message.ts";

/** The answer to every acknowledged socket event. */
export type Ack<T> = ({ ok: true } & T) | { ok: false; error: ErrorBody };

/** The handshake's `auth` (routers read `token` from the handshake query, so clients send it there too). */
export interface HandshakeAuth {
  token: string;
  /** Resume after this message id (replaying what was missed); default: from now on. */
  lastMessageId?: string;
}

/** Sent once on connect: which member serves this socket, at which ring epoch, from where in its log. */
export interface SessionInfo {
  member: string;
  mode: Mode;
  epoch: number;
  /** Where this session starts in the user's log: keep it as the last id until a message arrives. */
  lastMessageId: string;
}

/** Why a member ended a session (`ringcast:session-ended`): reconnecting with the same token cannot help. */
export type SessionEndReason = "token_expired" | "token_revoked" | "account_disabled" | "account_deleted";

/** Messages after `lastMessageId` were trimmed from the log before they reached the client. */
export interface HistoryTruncated {
  lastMessageId: string;
}

export interface TokenExpiring {
  expiresAt: string;
}

export interface SessionEnded {
  reason: SessionEndReason;
}

/** A fresh token of the same user: the live connection continues under it. */
export interface RefreshTokenRequest {
  token: string;
}

export interface TokenRefreshed {
  expiresAt: string;
}

export interface ServerToClientEvents {
  message: (message: Message) => void;
  "ringcast:session": (session: SessionInfo) => void;
  /** Sent before a replay when messages after the client's lastMessageId were already trimmed. */
  "ringcast:history-truncated": (info: HistoryTruncated) => void;
  /** Sent a notice period before the token expires: answer with ringcast:refresh-token. */
  "ringcast:token-expiring": (info: TokenExpiring) => void;
  /** Sent right before the member closes the connection: the token expired or was revoked, or the account was disabled or deleted. */
  "ringcast:session-ended": (info: SessionEnded) => void;
}

export interface ClientToServerEvents {
  /** As POST /api/messages. */
  "message:send": (payload: SendRequest, ack: (answer: Ack<SendReceipt>) => void) => void;
  "ringcast:refresh-token": (payload: RefreshTokenRequest, ack: (answer: Ack<TokenRefreshed>) => void) => void;
}

/**
 * Client events as a server receives them: the payload not yet validated (anything may come) and
 * the ack absent when the client sent none.
 */
export type Unvalidated<Events> = {
  [K in keyof Events]: Events[K] extends (payload: never, ack: infer A) => void ? (payload: unknown, ack?: A) => void : never;
};

/** Every event name by direction; the compiler checks each list is exactly its interface's keys. */
export const SERVER_TO_CLIENT_EVENTS = [
  "message",
  "ringcast:session",
  "ringcast:history-truncated",
  "ringcast:token-expiring",
  "ringcast:session-ended",
] as const satisfies readonly (keyof ServerToClientEvents)[];
export const CLIENT_TO_SERVER_EVENTS = ["message:send", "ringcast:refresh-token"] as const satisfies readonly (keyof ClientToServerEvents)[];

type Missing<Events, Listed extends readonly PropertyKey[]> = Exclude<keyof Events, Listed[number]>;
// A compile error here names an event added to an interface but not to its list above.
const everyServerEvent: [Missing<ServerToClientEvents, typeof SERVER_TO_CLIENT_EVENTS>] extends [never] ? true : never = true;
const everyClientEvent: [Missing<ClientToServerEvents, typeof CLIENT_TO_SERVER_EVENTS>] extends [never] ? true : never = true;
void everyServerEvent;
void everyClientEvent;
