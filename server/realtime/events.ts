import type { SessionEndReason } from "../auth/revocations.ts";
import type { ErrorCode } from "../errors.ts";
import type { Role } from "../school/school.ts";
import type { Message, SendReceipt } from "../messaging/message.ts";

/** The answer to every acknowledged socket event. */
export type Ack<T> = ({ ok: true } & T) | { ok: false; error: { code: ErrorCode; message: string; details?: unknown } };

/** Sent once on connect: which member serves this socket, at which ring epoch, from where in its log. */
export interface SessionInfo {
  member: string;
  mode: "broadcast" | "hash";
  epoch: number;
  /** Where this session starts in the user's log: keep it as the last id until a message arrives. */
  lastMessageId: string;
}

export interface ServerToClientEvents {
  message: (message: Message) => void;
  "ringcast:session": (session: SessionInfo) => void;
  /** Sent before a replay when messages after the client's lastMessageId were already trimmed. */
  "ringcast:history-truncated": (info: { lastMessageId: string }) => void;
  /** Sent RINGCAST_TOKEN_NOTICE_S before the token expires: answer with ringcast:refresh-token. */
  "ringcast:token-expiring": (info: { expiresAt: string }) => void;
  /** Sent right before the member closes the connection: the token expired or was revoked, or the account was disabled or deleted. */
  "ringcast:session-ended": (info: { reason: SessionEndReason }) => void;
}

export interface ClientToServerEvents {
  /** Payload: `{ to: { user } | { class }, body }`, as for POST /api/messages. */
  "message:send": (payload: unknown, ack: (answer: Ack<SendReceipt>) => void) => void;
  /** Payload: `{ token }`, a fresh token of the same user: the live connection continues under it. */
  "ringcast:refresh-token": (payload: unknown, ack: (answer: Ack<{ expiresAt: string }>) => void) => void;
}

export interface InterServerEvents {
  /** These users have new messages in their logs: members holding their sockets read them. */
  "ringcast:inbox": (userIds: string[]) => void;
}

/** Set by the handshake middleware; available on every member through fetchSockets(). */
export interface SocketData {
  userId: string;
  name: string;
  role: Role;
  /** The log position this socket has been sent up to (set at the handshake). */
  cursor: string;
  /** The current token's id (jti): a logout of that token ends this socket. Set by the handshake. */
  tokenId?: string;
  /** When the current token expires (ms): the socket is closed then unless it presents a new one. */
  tokenExpiresAt?: number;
}

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
