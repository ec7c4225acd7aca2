import { io, type Socket } from "socket.io-client";
import { Emitter } from "./emitter.ts";
import { compareIds } from "./message-id.ts";
import { RestError, RingcastRest, type SendReceipt, type SendRequest, type User } from "./rest.ts";

/** A message as the application sees it. */
export interface Message {
  id: string;
  from: { id: string; name: string };
  to: { type: "user" | "class"; id: string };
  body: string;
  sentAt: string;
}

/** Which member serves the connection, at which ring epoch, and where in the user's log it started. */
export interface SessionInfo {
  member: string;
  mode: "broadcast" | "hash";
  epoch: number;
  lastMessageId: string;
}

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
  "history-truncated": (info: { lastMessageId: string }) => void;
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
}

type Credentials = { userId: string; password: string };

/** Handshake refusals that a new token fixes. */
const AUTH_CODES = new Set(["token_expired", "invalid_token"]);

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
  private socket: Socket | undefined;
  private rerouteTimer: ReturnType<typeof setTimeout> | undefined;
  private rerouteAttempt = 0;

  private constructor(
    private readonly options: RingcastClientOptions,
    readonly rest: RingcastRest,
    private currentToken: string,
    readonly user: User,
    private readonly credentials: Credentials | undefined,
  ) {
    super();
    this.lastMessageId = options.lastMessageId;
  }

  /** Signs in with a user id and password, or with a token you already have. */
  static async signIn(options: RingcastClientOptions, credentials: Credentials | { token: string }): Promise<RingcastClient> {
    const rest = new RingcastRest(options.url);
    if ("token" in credentials) {
      const me = await rest.me(credentials.token);
      return new RingcastClient(options, rest, credentials.token, { id: me.id, name: me.name, role: me.role }, undefined);
    }
    const session = await rest.login(credentials.userId, credentials.password);
    return new RingcastClient(options, rest, session.token, session.user, credentials);
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
    let answer: ({ ok: true } & SendReceipt) | { ok: false; error: { code: string; message: string } };
    try {
      answer = await socket.timeout(timeoutMs).emitWithAck("message:send", { to, body });
    } catch {
      throw new RingcastClientError("timeout", `no answer within ${timeoutMs} ms: the message may or may not have been sent`);
    }
    if (!answer.ok) throw new RingcastClientError(answer.error.code, answer.error.message);
    const { ok: _ok, ...receipt } = answer;
    return receipt;
  }

  close(): void {
    this.closeSocket();
    this.setState("closed");
  }

  private async open(): Promise<void> {
    const url = this.options.route ? (await this.rest.route(this.currentToken)).member.url : this.options.url;
    if (this.state === "closed") return;
    const socket = io(url, {
      // The token goes in the query too: routers (gateway, sticky primary) read it there.
      query: { token: this.currentToken },
      auth: (cb) => cb({ token: this.currentToken, lastMessageId: this.lastMessageId }),
      transports: this.options.transports ?? ["polling", "websocket"],
      reconnectionDelayMax: this.options.reconnectionDelayMaxMs ?? 5000,
      // Without a gateway a reconnect may need another member: the client looks it up itself.
      reconnection: !this.options.route,
      forceNew: true,
    });
    this.socket = socket;
    socket.on("ringcast:session", (session: SessionInfo) => this.onSession(session));
    socket.on("message", (message: Message) => this.onMessage(message));
    socket.on("ringcast:history-truncated", (info: { lastMessageId: string }) => this.emit("history-truncated", info));
    socket.on("disconnect", (reason) => this.onDisconnect(socket, reason));
    socket.on("connect_error", (err: Error & { data?: { code?: string } }) => void this.onConnectError(socket, err));
  }

  private onSession(session: SessionInfo): void {
    this.session = session;
    this.rerouteAttempt = 0;
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

  private onDisconnect(socket: Socket, reason: string): void {
    if (socket !== this.socket || this.state === "closed") return;
    this.setState("reconnecting", reason);
    // A stock client does not come back by itself after the server disconnects it.
    if (reason === "io server disconnect") socket.connect();
    else if (this.options.route) this.reroute(reason);
  }

  private async onConnectError(socket: Socket, err: Error & { data?: { code?: string } }): Promise<void> {
    if (socket !== this.socket || this.state === "closed") return;
    const code = err.data?.code;
    if (code && AUTH_CODES.has(code) && this.credentials) {
      await this.renewToken().then(
        () => socket.connect(),
        (renewError: Error) => this.fail(new RingcastClientError("invalid_credentials", renewError.message)),
      );
    } else if (code === "wrong_member" || (this.options.route && !code)) {
      this.reroute(err.message); // without a gateway, the member may be gone: look it up again
    } else if (code) {
      this.fail(new RingcastClientError(code, err.message));
    } else if (this.state !== "connecting") {
      this.setState("reconnecting", err.message); // a transport error: socket.io-client retries by itself
    }
  }

  private async renewToken(): Promise<void> {
    const session = await this.rest.login(this.credentials!.userId, this.credentials!.password);
    this.currentToken = session.token;
    if (this.socket) this.socket.io.opts.query = { token: session.token };
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
