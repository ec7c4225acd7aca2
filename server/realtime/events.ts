import type { ErrorCode } from "../errors.ts";
import type { Role } from "../school/school.ts";
import type { Message, SendReceipt } from "../messaging/message.ts";

/** The answer to every acknowledged socket event. */
export type Ack<T> = ({ ok: true } & T) | { ok: false; error: { code: ErrorCode; message: string; details?: unknown } };

/** Sent once on connect: which member serves this socket, and at which ring epoch. */
export interface SessionInfo {
  member: string;
  mode: "broadcast" | "hash";
  epoch: number;
}

export interface ServerToClientEvents {
  message: (message: Message) => void;
  "ringcast:session": (session: SessionInfo) => void;
}

export interface ClientToServerEvents {
  /** Payload: `{ to: { user } | { class }, body }`, as for POST /api/messages. */
  "message:send": (payload: unknown, ack: (answer: Ack<SendReceipt>) => void) => void;
}

export type InterServerEvents = Record<string, never>;

/** Set by the handshake middleware; available on every member through fetchSockets(). */
export interface SocketData {
  userId: string;
  name: string;
  role: Role;
}
