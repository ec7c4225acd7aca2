/** The types ringcast/client's RingcastClient speaks in (re-exported by ringcast-client.ts). */

import type { HistoryTruncated, Message, SessionInfo, TokenExpiring } from "../protocol/index.ts";

export type { Message, SessionInfo } from "../protocol/index.ts";

/**
 * connecting: first attempt; connected: a member confirmed the session; reconnecting: the
 * connection dropped and the client is getting it back (by itself); offline: the server refused
 * for good (see the `error` event) and only `connect()` tries again; closed: `close()` was called.
 */
export type ConnectionState = "connecting" | "connected" | "reconnecting" | "offline" | "closed";

export interface RingcastClientEvents {
  message: (message: Message) => void;
  state: (state: ConnectionState, reason?: string) => void;
  session: (session: SessionInfo) => void;
  /** Messages after your last id were trimmed from the log before you got them: reload history. */
  "history-truncated": (info: HistoryTruncated) => void;
  /**
   * The server warned that the token expires soon. With `getToken` the client refreshes by itself;
   * without, call `refreshToken(token)` before `expiresAt` or the connection is closed then.
   */
  "token-expiring": (info: TokenExpiring) => void;
  /** A refusal that took the client offline, or a token refresh that failed (the connection continues until expiry). */
  error: (error: RingcastClientError) => void;
}

/** A refusal from the server (`code` as in the REST API), or `timeout` / `not_connected`. */
export class RingcastClientError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = "RingcastClientError";
  }
}

export interface RingcastClientOptions {
  /** The gateway (or, in broadcast mode, any member); in a page served by ringcast: location.origin. */
  url: string;
  /** Ask GET /api/route which member to connect to, and connect to it directly (no gateway). Default false. */
  route?: boolean;
  /** Resume after this message id (e.g. kept from an earlier page load). Default: from now on. */
  lastMessageId?: string;
  /** How long send() waits for the server's answer (ms). Default 10000. */
  ackTimeoutMs?: number;
  /** socket.io-client transports. Default ["polling", "websocket"]: polling first, then upgrade. */
  transports?: ("polling" | "websocket")[];
  /** Longest pause between reconnection attempts (ms). Default 5000. */
  reconnectionDelayMaxMs?: number;
  /**
   * Returns a fresh access token of the same user (from your backend, a refresh flow, a new
   * sign-in). Called when the server announces the token's expiry (the new one is presented on the
   * live connection: no reconnect) and when a reconnect is refused for an expired or revoked token.
   * Without it, the client goes offline with `token_expired` when its token runs out.
   */
  getToken?: () => Promise<string> | string;
}
