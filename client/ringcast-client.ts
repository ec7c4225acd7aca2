import { io, type Socket } from "socket.io-client";
import type {
  Ack,
  ClientToServerEvents,
  ConnectErrorData,
  HandshakeAuth,
  Message,
  SendReceipt,
  SendRequest,
  ServerToClientEvents,
  SessionEndReason,
  SessionInfo,
  TokenExpiring,
  TokenRefreshed,
  User,
} from "../protocol/index.ts";
import { compareIds } from "../protocol/message-id.ts";
import { type ConnectionState, RingcastClientError, type RingcastClientEvents, type RingcastClientOptions } from "./client-types.ts";
import { Emitter } from "./emitter.ts";
import { RestError, RingcastRest } from "./rest.ts";

export * from "./client-types.ts";

type Credentials = { userId: string; password: string };

/** The socket as the protocol types it: what the client listens to and emits. */
type ProtocolSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/** Handshake refusals that a new token fixes. */
const AUTH_CODES = new Set<string>(["token_expired", "invalid_token"] satisfies ConnectErrorData["code"][]);

/** Why the server ended a session (`ringcast:session-ended`), as told to the application. */
const ENDINGS: Record<SessionEndReason, string> = {
  token_expired: "the access token expired",
  token_revoked: "signed out: the access token was revoked",
  account_disabled: "this account was disabled",
  account_deleted: "this account was deleted",
};

/**
 * ringcast's client: sign in, connect (through a gateway or by route lookup), send with promises,
 * receive every message once and in order across drops, member deaths and rebalancing.
 *
 *   const client = await RingcastClient.signIn({ url }, { userId: "s001", password });
 *   client.on("message", (m) => console.log(m.from.name, m.body));
 *   await client.connect();
 *   await client.send({ user: "s002" }, "hi");
 */
export class RingcastClient extends Emitter<RingcastClientEvents> {
  state: ConnectionState = "closed";
  /** The current (or last) session: member, mode, epoch. */
  session: SessionInfo | undefined;
  /** The newest message id the application has seen: where a reconnect resumes. */
  lastMessageId: string | undefined;
  private socket: ProtocolSocket | undefined;
  private rerouteTimer: ReturnType<typeof setTimeout> | undefined;
  private rerouteAttempt = 0;
  /** Set by `ringcast:session-ended` until the disconnect that follows it. */
  private endedReason: SessionEndReason | undefined;
  /** A token from getToken was already refused once since the last session: do not loop. */
  private renewedSinceSession = false;

  private constructor(
    private readonly options: RingcastClientOptions,
    readonly rest: RingcastRest,
    private currentToken: string,
    readonly user: User,
  ) {
    super();
    this.lastMessageId = options.lastMessageId;
  }

  /**
   * Signs in with a user id and password (used once: the password is not kept), or with a token you
   * already have. Pass `getToken` in the options to keep the session past the token's lifetime.
   */
  static async signIn(options: RingcastClientOptions, credentials: Credentials | { token: string }): Promise<RingcastClient> {
    const rest = new RingcastRest(options.url);
    if ("token" in credentials) {
      const me = await rest.me(credentials.token);
      return new RingcastClient(options, rest, credentials.token, { id: me.id, name: me.name, role: me.role });
    }
    const session = await rest.login(credentials.userId, credentials.password);
    return new RingcastClient(options, rest, session.token, session.user);
  }

  get token(): string {
    return this.currentToken;
  }

  /** Connects; resolves with the first session, or rejects with the server's refusal. */
  connect(): Promise<SessionInfo> {
    this.closeSocket();
    this.setState("connecting");
    return new Promise((resolve, reject) => {
      const offSession = this.on("session", (session) => {
        offSession();
        offState();
        resolve(session);
      });
      const offState = this.on("state", (state, reason) => {
        if (state !== "offline" && state !== "closed") return;
        offSession();
        offState();
        reject(new RingcastClientError("not_connected", reason ?? "connection refused"));
      });
      this.open().catch((err: Error) => this.reroute(err.message));
    });
  }

  /** Sends a direct message (`{ user }`) or, for teachers, a class message (`{ class }`). */
  async send(to: SendRequest["to"], body: string): Promise<SendReceipt> {
    const socket = this.socket;
    if (!socket) throw new RingcastClientError("not_connected", "call connect() first");
    const timeoutMs = this.options.ackTimeoutMs ?? 10_000;
    let answer: Ack<SendReceipt>;
    try {
      answer = await socket.timeout(timeoutMs).emitWithAck("message:send", { to, body });
    } catch {
      throw new RingcastClientError("timeout", `no answer within ${timeoutMs} ms: the message may or may not have been sent`);
    }
    if (!answer.ok) throw new RingcastClientError(answer.error.code, answer.error.message);
    const { ok: _ok, ...receipt } = answer;
    return receipt;
  }

  /**
   * Continues under a new token of the same user (from `getToken` when none is given) without
   * reconnecting. Resolves with the new expiry, or undefined when there is no live connection (the
   * token is then used by the next connection).
   */
  async refreshToken(token?: string): Promise<string | undefined> {
    const next = token ?? (await this.fetchToken());
    const socket = this.socket;
    if (!socket?.connected) {
      this.useToken(next);
      return undefined;
    }
    const timeoutMs = this.options.ackTimeoutMs ?? 10_000;
    let answer: Ack<TokenRefreshed>;
    try {
      answer = await socket.timeout(timeoutMs).emitWithAck("ringcast:refresh-token", { token: next });
    } catch {
      throw new RingcastClientError("timeout", `no answer to the token refresh within ${timeoutMs} ms`);
    }
    if (!answer.ok) throw new RingcastClientError(answer.error.code, answer.error.message);
    this.useToken(next);
    return answer.expiresAt;
  }

  /** Signs out: revokes the token on the server (closing its connections everywhere), then closes. */
  async logout(): Promise<void> {
    try {
      await this.rest.logout(this.currentToken);
    } finally {
      this.close();
    }
  }

  close(): void {
    this.closeSocket();
    this.setState("closed");
  }

  private async open(): Promise<void> {
    const url = this.options.route ? (await this.rest.route(this.currentToken)).member.url : this.options.url;
    if (this.state === "closed") return;
    const auth = (): HandshakeAuth => ({ token: this.currentToken, ...(this.lastMessageId === undefined ? {} : { lastMessageId: this.lastMessageId }) });
    const socket: ProtocolSocket = io(url, {
      // The token goes in the query too: routers (gateway, sticky primary) read it there.
      query: { token: this.currentToken },
      auth: (cb) => cb(auth()),
      transports: this.options.transports ?? ["polling", "websocket"],
      reconnectionDelayMax: this.options.reconnectionDelayMaxMs ?? 5000,
      // Without a gateway a reconnect may need another member: the client looks it up itself.
      reconnection: !this.options.route,
      forceNew: true,
    });
    this.socket = socket;
    socket.on("ringcast:session", (session) => this.onSession(session));
    socket.on("message", (message) => this.onMessage(message));
    socket.on("ringcast:history-truncated", (info) => this.emit("history-truncated", info));
    socket.on("ringcast:token-expiring", (info) => this.onTokenExpiring(socket, info));
    socket.on("ringcast:session-ended", (info) => {
      if (socket === this.socket) this.endedReason = info.reason;
    });
    socket.on("disconnect", (reason) => this.onDisconnect(socket, reason));
    socket.on("connect_error", (err: Error & { data?: Partial<ConnectErrorData> }) => void this.onConnectError(socket, err));
  }

  private onSession(session: SessionInfo): void {
    this.session = session;
    this.rerouteAttempt = 0;
    this.renewedSinceSession = false;
    this.lastMessageId ??= session.lastMessageId;
    this.setState("connected", `served by ${session.member}`);
    this.emit("session", session);
  }

  /** Replays and live messages meet here: anything not newer than the last one seen is a repeat. */
  private onMessage(message: Message): void {
    if (this.lastMessageId !== undefined && compareIds(message.id, this.lastMessageId) <= 0) return;
    this.lastMessageId = message.id;
    this.emit("message", message);
  }

  private onTokenExpiring(socket: ProtocolSocket, info: TokenExpiring): void {
    if (socket !== this.socket) return;
    this.emit("token-expiring", info);
    if (!this.options.getToken) return;
    this.refreshToken().catch((err: Error) => {
      const code = err instanceof RingcastClientError || err instanceof RestError ? err.code : "token_refresh_failed";
      this.emit("error", new RingcastClientError(code, `token refresh failed: ${err.message}`));
    });
  }

  private onDisconnect(socket: ProtocolSocket, reason: string): void {
    if (socket !== this.socket || this.state === "closed") return;
    const ended = this.endedReason;
    this.endedReason = undefined;
    if (ended === "token_expired" && this.options.getToken) {
      this.setState("reconnecting", ENDINGS[ended]);
      void this.renewToken().then(
        () => socket.connect(),
        (err: Error) => this.fail(new RingcastClientError("token_expired", `${ENDINGS[ended]}; getToken failed: ${err.message}`)),
      );
      return;
    }
    // Revoked, disabled, deleted, or expired with no way to get a new token: reconnecting cannot help.
    if (ended) return this.fail(new RingcastClientError(ended, ENDINGS[ended] ?? ended));
    this.setState("reconnecting", reason);
    // A stock client does not come back by itself after the server disconnects it.
    if (reason === "io server disconnect") socket.connect();
    else if (this.options.route) this.reroute(reason);
  }

  private async onConnectError(socket: ProtocolSocket, err: Error & { data?: Partial<ConnectErrorData> }): Promise<void> {
    if (socket !== this.socket || this.state === "closed") return;
    const code = err.data?.code;
    if (code && AUTH_CODES.has(code) && this.options.getToken && !this.renewedSinceSession) {
      this.renewedSinceSession = true;
      await this.renewToken().then(
        () => socket.connect(),
        (renewError: Error) => this.fail(new RingcastClientError(code, `${err.message}; getToken failed: ${renewError.message}`)),
      );
    } else if (code === "wrong_member" || (this.options.route && !code)) {
      this.reroute(err.message); // without a gateway, the member may be gone: look it up again
    } else if (code) {
      this.fail(new RingcastClientError(code, err.message));
    } else if (this.state !== "connecting") {
      this.setState("reconnecting", err.message); // a transport error: socket.io-client retries by itself
    }
  }

  /** A new token from getToken, used from the next connection attempt on. */
  private async renewToken(): Promise<void> {
    this.useToken(await this.fetchToken());
  }

  private async fetchToken(): Promise<string> {
    if (!this.options.getToken) throw new RingcastClientError("invalid_request", "no token given and no getToken option");
    const token = await this.options.getToken();
    if (typeof token !== "string" || token.length === 0) throw new RingcastClientError("invalid_token", "getToken returned no token");
    return token;
  }

  private useToken(token: string): void {
    this.currentToken = token;
    // Routers read the token from the query of the next handshake; `auth` reads currentToken itself.
    if (this.socket) this.socket.io.opts.query = { token };
  }

  /** Looks the member up again and reconnects there, after a jittered, growing pause. */
  private reroute(reason: string): void {
    this.closeSocket();
    this.setState("reconnecting", reason);
    const max = this.options.reconnectionDelayMaxMs ?? 5000;
    const delay = Math.min(max, 250 * 2 ** this.rerouteAttempt++) * (0.5 + Math.random() / 2);
    this.rerouteTimer = setTimeout(() => {
      this.open().catch((err: Error) => (err instanceof RestError && err.status < 500 ? this.fail(new RingcastClientError(err.code, err.message)) : this.reroute(err.message)));
    }, delay);
  }

  private fail(error: RingcastClientError): void {
    this.closeSocket();
    this.setState("offline", error.message);
    this.emit("error", error);
  }

  private closeSocket(): void {
    clearTimeout(this.rerouteTimer);
    const socket = this.socket;
    this.socket = undefined;
    socket?.removeAllListeners();
    socket?.close();
  }

  private setState(state: ConnectionState, reason?: string): void {
    if (this.state === state && state !== "reconnecting") return;
    this.state = state;
    this.emit("state", state, reason);
  }
}
