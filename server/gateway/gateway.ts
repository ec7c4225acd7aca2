import { Agent, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { createProxyServer } from "http-proxy-3";
import type { Redis } from "ioredis";
import type { Logger } from "../log.ts";
import { closeRedis, connectRedis } from "../redis/connect.ts";
import type { LivenessProbe } from "../registry/liveness.ts";
import type { RedisMembershipWatcher } from "../registry/redis-membership-watcher.ts";
import type { SessionTable } from "./session-table.ts";
import type { TargetPicker } from "./target-picker.ts";
import { PEER_PATH } from "../bus/peer-links.ts";

export interface GatewayParts {
  server: Server;
  picker: TargetPicker;
  sessions: SessionTable;
  watcher: RedisMembershipWatcher;
  liveness: LivenessProbe;
  redisClients: Redis[];
  mode: "broadcast" | "hash";
  listen: { host: string; port: number };
  log: Logger;
}

export type GatewayStatus = "idle" | "starting" | "running" | "closing" | "closed";

/**
 * Reverse proxy in front of the members: HTTP (REST and Engine.IO long-polling) and WebSocket
 * upgrades, each sent where TargetPicker says. Polling handshakes are answered through a
 * buffering proxy so the new session id is known before the client can send its next request.
 */
export class Gateway {
  status: GatewayStatus = "idle";
  private readonly agent = new Agent({ keepAlive: true });
  private readonly proxy = createProxyServer({ xfwd: true, agent: this.agent });
  private readonly capturing = createProxyServer({ xfwd: true, agent: this.agent, selfHandleResponse: true });
  /** The member each buffered handshake went to. */
  private readonly handshakeTargets = new WeakMap<IncomingMessage, string>();

  constructor(private readonly parts: GatewayParts) {
    this.capturing.on("proxyRes", (proxyRes, req, res) => this.relayHandshake(proxyRes, req, res));
  }

  get port(): number | undefined {
    return (this.parts.server.address() as AddressInfo | null)?.port;
  }

  async start(): Promise<void> {
    if (this.status !== "idle") throw new Error(`gateway is ${this.status}`);
    this.status = "starting";
    const { server, watcher, sessions, redisClients, listen } = this.parts;
    await Promise.all(redisClients.map((client) => connectRedis(client)));
    watcher.onChange((m) => sessions.retain(new Set(m.members.map((member) => member.url))));
    await watcher.start();
    server.on("request", (req, res) => void this.onRequest(req, res));
    server.on("upgrade", (req, socket: Socket, head: Buffer) => void this.onUpgrade(req, socket, head));
    await new Promise<void>((resolve) => server.listen(listen.port, listen.host, resolve));
    this.status = "running";
  }

  async close(): Promise<void> {
    if (this.status === "closing" || this.status === "closed") return;
    this.status = "closing";
    const { server, sessions, watcher, redisClients } = this.parts;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    await closed;
    this.agent.destroy();
    sessions.close();
    watcher.close();
    await Promise.all(redisClients.map(closeRedis));
    this.status = "closed";
  }

  private async onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.url === "/gateway/healthz") return this.health(res);
    const target = await this.parts.picker.pick(req);
    if (!target) return unavailable(res, "no member is available; retry shortly");
    if (target.opensSession) this.handshakeTargets.set(req, target.url);
    const proxy = target.opensSession ? this.capturing : this.proxy;
    proxy.web(req, res, { target: target.url }, (err: Error) => {
      this.memberUnreachable(target.url, err);
      unavailable(res, "the member serving this request is unreachable; retry shortly");
    });
  }

  private async onUpgrade(req: IncomingMessage, socket: Socket, head: Buffer): Promise<void> {
    socket.on("error", () => socket.destroy());
    // Peer links are between members; nothing from outside the cluster is relayed to them.
    if (new URL(req.url ?? "/", "http://gateway").pathname === PEER_PATH) return void socket.end(NOT_FOUND_UPGRADE);
    const target = await this.parts.picker.pick(req);
    if (!target) return void socket.destroy();
    this.proxy.ws(req, socket, head, { target: target.url }, (err: Error) => {
      this.memberUnreachable(target.url, err);
      socket.destroy();
    });
  }

  /** A refused connection may mean a dead member: ask Redis, and evict it if it is gone. */
  private memberUnreachable(url: string, err: Error): void {
    this.parts.log.debug({ err: err.message, target: url }, "member unreachable");
    const member = this.parts.watcher.current()?.members.find((m) => m.url === url);
    if (member) void this.parts.liveness.reportUnreachable(member.id);
  }

  /** Buffers a polling handshake answer, remembers its sid, then relays it unchanged. */
  private relayHandshake(proxyRes: IncomingMessage, req: IncomingMessage, res: ServerResponse): void {
    const chunks: Buffer[] = [];
    proxyRes.on("data", (chunk: Buffer) => chunks.push(chunk));
    proxyRes.on("end", () => {
      const body = Buffer.concat(chunks);
      const sid = sessionIdOf(body, proxyRes.headers["content-encoding"]);
      const target = this.handshakeTargets.get(req);
      if (sid && target) this.parts.sessions.remember(sid, target);
      res.writeHead(proxyRes.statusCode ?? 502, proxyRes.headers);
      res.end(body);
    });
    proxyRes.on("error", () => res.destroy());
  }

  private health(res: ServerResponse): void {
    const membership = this.parts.watcher.current();
    res.writeHead(200, { "content-type": "application/json" });
    res.end(
      JSON.stringify({
        status: "ok",
        mode: this.parts.mode,
        epoch: membership?.epoch ?? null,
        members: membership?.members.map((m) => ({ id: m.id, url: m.url })) ?? [],
        sessions: this.parts.sessions.size,
      }),
    );
  }
}

/** The sid in an Engine.IO v4 handshake body: `0{"sid":"...",...}`. */
function sessionIdOf(body: Buffer, encoding: string | string[] | undefined): string | undefined {
  if (encoding) return undefined;
  const text = body.toString("utf8");
  if (!text.startsWith("0{")) return undefined;
  try {
    const sid = (JSON.parse(text.slice(1)) as { sid?: unknown }).sid;
    return typeof sid === "string" ? sid : undefined;
  } catch {
    return undefined;
  }
}

const NOT_FOUND_BODY = JSON.stringify({ error: { code: "not_found", message: `${PEER_PATH} is internal to the cluster` } });
const NOT_FOUND_UPGRADE = `HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(NOT_FOUND_BODY)}\r\n\r\n${NOT_FOUND_BODY}`;

function unavailable(res: ServerResponse, message: string): void {
  if (res.headersSent) return void res.destroy();
  res.writeHead(503, { "content-type": "application/json", "retry-after": "1" });
  res.end(JSON.stringify({ error: { code: "service_unavailable", message } }));
}
