import type { IncomingMessage, Server as HttpServer } from "node:http";
import type { Duplex } from "node:stream";
import { WebSocket, WebSocketServer } from "ws";
import type { Logger } from "../log.ts";
import type { PeerCredentials } from "./peer-credentials.ts";
import type { PeerTransport } from "./peer-transport.ts";

/** Where members accept each other's links, on their Socket.IO/REST port. */
export const PEER_PATH = "/ringcast/peer";
const CREDENTIAL_HEADER = "x-ringcast-peer";

export interface PeerLinksOptions {
  /** This member's id, named in its credential. Required. */
  selfId: string;
  /** A member's registered base URL (http or https), or undefined when it is not in the ring. Required. */
  urlOf: (memberId: string) => string | undefined;
  credentials: PeerCredentials;
  /** Largest message accepted (bytes). Default 1 MiB. */
  maxPayloadBytes?: number;
  /** Above this many unsent bytes on a link, messages go through Redis instead. Default 4 MiB. */
  maxBufferedBytes?: number;
  /** Liveness pings on every link (ms); a link whose pong has not come back a ping later is dropped. Default 10000. */
  pingIntervalMs?: number;
  /** First pause before reconnecting a failed link, doubled up to 5 s. Default 200. */
  retryMs?: number;
  log: Logger;
}

interface OutboundLink {
  ws: WebSocket;
  url: string;
}

type Status = "idle" | "running" | "closed";

/**
 * One outbound WebSocket per peer, opened as soon as the peer is in the ring, and an upgrade
 * handler that accepts peers with a valid credential. Links never block a send: while one is
 * down (connecting, backing off, or its peer slow), send() says false and the adapter uses Redis.
 */
export class PeerLinks implements PeerTransport {
  status: Status = "idle";
  private readonly outbound = new Map<string, OutboundLink>();
  private readonly retryAt = new Map<string, { at: number; delayMs: number }>();
  private readonly inbound = new Set<WebSocket>();
  private readonly awaitingPong = new WeakSet<WebSocket>();
  private readonly listeners: ((payload: Buffer) => void)[] = [];
  private readonly server: WebSocketServer;
  private pinger: NodeJS.Timeout | undefined;
  private readonly settings: Required<Omit<PeerLinksOptions, "selfId" | "urlOf" | "credentials" | "log">>;

  constructor(private readonly options: PeerLinksOptions) {
    this.settings = {
      maxPayloadBytes: options.maxPayloadBytes ?? 1 << 20,
      maxBufferedBytes: options.maxBufferedBytes ?? 4 << 20,
      pingIntervalMs: options.pingIntervalMs ?? 10_000,
      retryMs: options.retryMs ?? 200,
    };
    this.server = new WebSocketServer({ noServer: true, maxPayload: this.settings.maxPayloadBytes, perMessageDeflate: false });
  }

  /** Accepts peers on `httpServer` (other upgrades are left to Socket.IO) and starts the pings. */
  start(httpServer: HttpServer): void {
    if (this.status !== "idle") throw new Error(`peer links are ${this.status}`);
    this.status = "running";
    httpServer.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) => this.onUpgrade(req, socket, head));
    this.pinger = setInterval(() => this.ping(), this.settings.pingIntervalMs);
    this.pinger.unref();
  }

  send(memberId: string, payload: Buffer): boolean {
    const link = this.outbound.get(memberId);
    if (link && link.ws.readyState === WebSocket.OPEN && link.ws.bufferedAmount < this.settings.maxBufferedBytes) {
      link.ws.send(payload);
      return true;
    }
    if (!link) this.connect(memberId);
    return false;
  }

  /** Whether the link to `memberId` is open now. */
  isLinked(memberId: string): boolean {
    return this.outbound.get(memberId)?.ws.readyState === WebSocket.OPEN;
  }

  onMessage(listener: (payload: Buffer) => void): void {
    this.listeners.push(listener);
  }

  /** The ring's members: links to everyone else are opened, links to departed or moved ones closed. */
  retain(memberIds: readonly string[]): void {
    const wanted = new Set(memberIds.filter((id) => id !== this.options.selfId));
    for (const [id, link] of this.outbound) {
      if (!wanted.has(id) || this.options.urlOf(id) !== link.url) this.drop(id, link);
    }
    for (const id of this.retryAt.keys()) if (!wanted.has(id)) this.retryAt.delete(id);
    for (const id of wanted) if (!this.outbound.has(id)) this.connect(id);
  }

  close(): void {
    if (this.status === "closed") return;
    this.status = "closed";
    clearInterval(this.pinger);
    for (const [id, link] of this.outbound) this.drop(id, link);
    for (const ws of this.inbound) ws.terminate();
    this.inbound.clear();
    this.server.close();
  }

  private connect(memberId: string): void {
    const url = this.options.urlOf(memberId);
    const retry = this.retryAt.get(memberId);
    if (this.status !== "running" || !url || (retry && retry.at > Date.now())) return;
    // Backoff doubles while attempts fail; an attempt that opened starts the next one afresh.
    const ws = new WebSocket(`${url.replace(/^http/, "ws").replace(/\/$/, "")}${PEER_PATH}`, {
      headers: { [CREDENTIAL_HEADER]: this.options.credentials.sign(this.options.selfId) },
      perMessageDeflate: false,
      maxPayload: this.settings.maxPayloadBytes,
    });
    const link = { ws, url };
    this.outbound.set(memberId, link);
    ws.on("open", () => this.retryAt.delete(memberId));
    ws.on("unexpected-response", (_req, res) => {
      this.options.log.warn({ peer: memberId, status: res.statusCode }, "peer refused the link");
      ws.terminate();
    });
    ws.on("error", (err) => this.options.log.debug({ peer: memberId, err: err.message }, "peer link error"));
    ws.on("close", () => {
      if (this.outbound.get(memberId) !== link) return;
      this.outbound.delete(memberId);
      const failed = this.retryAt.get(memberId);
      const delayMs = Math.min(5000, failed ? failed.delayMs * 2 : this.settings.retryMs);
      this.retryAt.set(memberId, { at: Date.now() + delayMs, delayMs });
    });
  }

  private drop(memberId: string, link: OutboundLink): void {
    this.outbound.delete(memberId);
    link.ws.terminate();
  }

  private onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    if (new URL(req.url ?? "/", "http://member").pathname !== PEER_PATH) return;
    const peer = this.status === "running" ? this.options.credentials.verify(req.headers[CREDENTIAL_HEADER]) : undefined;
    if (!peer) {
      const body = JSON.stringify({ error: { code: "invalid_token", message: "peer links need a valid member credential" } });
      socket.end(`HTTP/1.1 401 Unauthorized\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
      return;
    }
    this.server.handleUpgrade(req, socket, head, (ws) => this.accept(ws, peer));
  }

  private accept(ws: WebSocket, peer: string): void {
    this.inbound.add(ws);
    ws.on("message", (data: Buffer, isBinary: boolean) => {
      if (!isBinary) return;
      for (const listener of this.listeners) listener(data);
    });
    ws.on("error", (err) => this.options.log.debug({ peer, err: err.message }, "inbound peer link error"));
    ws.on("close", () => this.inbound.delete(ws));
  }

  /** A link whose peer vanished without closing (host down, network cut) is dropped a ping later. */
  private ping(): void {
    for (const ws of [...this.inbound, ...[...this.outbound.values()].map((l) => l.ws)]) {
      if (this.awaitingPong.has(ws)) {
        ws.terminate();
        continue;
      }
      if (ws.readyState !== WebSocket.OPEN) continue;
      this.awaitingPong.add(ws);
      ws.once("pong", () => this.awaitingPong.delete(ws));
      ws.ping();
    }
  }
}
