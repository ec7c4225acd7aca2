import { Agent, type IncomingMessage, type Server, ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { createProxyServer } from "http-proxy-3";
import type { Logger } from "../log.ts";
import { closeRedis, connectRedis, type RedisClient } from "../redis/connect.ts";
import type { LivenessProbe } from "../registry/liveness.ts";
import type { RedisMembershipWatcher } from "../registry/redis-membership-watcher.ts";
import { PEER_PATH } from "../bus/peer-links.ts";
import { relayHandshake } from "./handshake-capture.ts";
import { type GatewayLimits, refuseRequest, refuseUpgrade } from "./limits.ts";
import { handleEarlyAnswers } from "./early-answer.ts";
import { badGateway, guardRequest, guardUpgrade, handleProxyErrors } from "./proxy-errors.ts";
import type { PrimarySwitches } from "../redis/primary-switches.ts";
import type { GatewayRoutes } from "./status.ts";
import type { SessionTable } from "./session-table.ts";
import type { TargetPicker } from "./target-picker.ts";

export interface GatewayParts {
  server: Server;
  picker: TargetPicker;
  sessions: SessionTable;
  watcher: RedisMembershipWatcher;
  liveness: LivenessProbe;
  limits: GatewayLimits;
  routes: GatewayRoutes;
  redisClients: RedisClient[];
  /** Follows a Sentinel failover (see followPrimarySwitches). */
  primarySwitches: PrimarySwitches;
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
  /** The member each proxied request or upgrade went to. */
  private readonly targets = new WeakMap<IncomingMessage, string>();

  constructor(private readonly parts: GatewayParts) {
    const memberFailed = (req: IncomingMessage, err: Error): void => this.memberUnreachable(req, err);
    handleProxyErrors(this.proxy, parts.log, memberFailed);
    handleProxyErrors(this.capturing, parts.log, memberFailed);
    handleEarlyAnswers(this.proxy, parts.log);
    handleEarlyAnswers(this.capturing, parts.log);
    this.capturing.on("proxyRes", (proxyRes, req, res) => {
      const target = this.targets.get(req);
      relayHandshake(proxyRes, res, (sid) => target && parts.sessions.remember(sid, target), parts.log);
    });
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
    this.parts.primarySwitches.start();
    // Handlers never throw: an unexpected failure answers this one client, not the process.
    server.on("request", (req, res) => this.onRequest(req, res).catch((err: Error) => this.failed(err, req, res)));
    server.on("upgrade", (req, socket: Socket, head: Buffer) => this.onUpgrade(req, socket, head).catch((err: Error) => this.failed(err, req, socket)));
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
    this.parts.primarySwitches.close();
    await Promise.all(redisClients.map(closeRedis));
    this.status = "closed";
  }

  private async onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    guardRequest(req, res, this.parts.log);
    if (this.parts.routes.handle(req, res)) return;
    const { limits, picker } = this.parts;
    const tooMany = await limits.admitHandshake(req);
    if (tooMany) return refuseRequest(res, tooMany);
    const target = await picker.pick(req);
    if (!target) return unavailable(res, "no member is available; retry shortly");
    if (res.destroyed) return;
    const full = limits.admitConnection(req, target.url, res);
    if (full) return refuseRequest(res, full);
    this.targets.set(req, target.url);
    const proxy = target.opensSession ? this.capturing : this.proxy;
    proxy.web(req, res, { target: target.url });
  }

  private async onUpgrade(req: IncomingMessage, socket: Socket, head: Buffer): Promise<void> {
    guardUpgrade(req, socket, this.parts.log);
    // Peer links are between members; nothing from outside the cluster is relayed to them.
    if (new URL(req.url ?? "/", "http://gateway").pathname === PEER_PATH) return void socket.end(NOT_FOUND_UPGRADE);
    const { limits, picker } = this.parts;
    const tooMany = await limits.admitHandshake(req);
    if (tooMany) return refuseUpgrade(socket, tooMany);
    const target = await picker.pick(req);
    if (!target || socket.destroyed) return void socket.destroy();
    const full = limits.admitConnection(req, target.url, socket);
    if (full) return refuseUpgrade(socket, full);
    this.targets.set(req, target.url);
    this.proxy.ws(req, socket, head, { target: target.url });
  }

  private failed(err: Error, req: IncomingMessage, to: ServerResponse | Socket): void {
    this.parts.log.error({ err, url: req.url }, "request failed in the gateway");
    if (to instanceof ServerResponse) badGateway(to, "the gateway could not relay this request; retry shortly");
    else to.destroy();
  }

  /** A failed member connection may mean a dead member: ask Redis, and evict it if it is gone. */
  private memberUnreachable(req: IncomingMessage, err: Error): void {
    const url = this.targets.get(req);
    this.parts.log.debug({ err: err.message, target: url }, "member unreachable");
    const member = this.parts.watcher.current()?.members.find((m) => m.url === url);
    if (member) void this.parts.liveness.reportUnreachable(member.id);
  }
}

const NOT_FOUND_BODY = JSON.stringify({ error: { code: "not_found", message: `${PEER_PATH} is internal to the cluster` } });
const NOT_FOUND_UPGRADE = `HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(NOT_FOUND_BODY)}\r\n\r\n${NOT_FOUND_BODY}`;

function unavailable(res: ServerResponse, message: string): void {
  if (res.headersSent) return void res.destroy();
  res.writeHead(503, { "content-type": "application/json", "retry-after": "1" });
  res.end(JSON.stringify({ error: { code: "service_unavailable", message } }));
}
