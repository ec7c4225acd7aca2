import type { ClientToServerEvents as ClientEmits, Unvalidated } from "../../protocol/events.ts";
import type { Role } from "../school/school.ts";

// The client-facing events and payloads are the protocol's (protocol/events.ts): the server emits
// exactly what ringcast/client listens to.
export type { Ack, ServerToClientEvents, SessionInfo } from "../../protocol/events.ts";
export { CLIENT_TO_SERVER_EVENTS, SERVER_TO_CLIENT_EVENTS } from "../../protocol/events.ts";

/** The protocol's client events as received: payloads are validated by their handlers, acks may be missing. */
export type ClientToServerEvents = Unvalidated<ClientEmits>;

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
