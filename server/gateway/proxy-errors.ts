import { type IncomingMessage, ServerResponse } from "node:http";
import type { Socket } from "node:net";
import type { ProxyServer } from "http-proxy-3";
import type { Logger } from "../log.ts";

/** Called when the member side of a proxied exchange failed (refused, reset, died). */
export type MemberFailure = (req: IncomingMessage, err: Error) => void;

/**
 * http-proxy-3 rethrows every error of a proxy object that has no `error` listener, a client's
 * TCP reset included, which would end the whole gateway. This puts one listener on `proxy` that
 * answers what can still be answered: a 502 JSON error while no response header was sent, else
 * the client's connection is closed. A failure on the member's side is reported so a dead
 * member can be evicted; one on the client's side (it reset or vanished) is routine.
 */
export function handleProxyErrors(proxy: ProxyServer, log: Logger, memberFailed: MemberFailure): void {
  proxy.on("error", (err, req, res) => {
    if (res instanceof ServerResponse) webFailed(err, req, res, log, memberFailed);
    else upgradeFailed(err, req, res, log, memberFailed);
  });
  // A request whose client reset while it was proxied: nothing is left to answer.
  proxy.on("econnreset", (err, req, res) => {
    log.debug({ err: err.message, url: req.url }, "client reset its request");
    res.destroy();
  });
}

function webFailed(err: Error, req: IncomingMessage, res: ServerResponse, log: Logger, memberFailed: MemberFailure): void {
  const clientGone = req.socket.destroyed;
  logFailure(log, err, req, clientGone, "web");
  if (clientGone) return void res.destroy();
  memberFailed(req, err);
  badGateway(res, "the member serving this request failed; retry shortly");
}

function upgradeFailed(err: Error, req: IncomingMessage, socket: Socket, log: Logger, memberFailed: MemberFailure): void {
  const clientGone = socket.destroyed;
  logFailure(log, err, req, clientGone, "ws");
  if (!clientGone) memberFailed(req, err);
  socket.destroy();
}

function logFailure(log: Logger, err: Error, req: IncomingMessage, clientGone: boolean, kind: "web" | "ws"): void {
  const fields = { err: err.message, code: (err as NodeJS.ErrnoException).code, url: req.url, kind };
  if (clientGone) log.debug(fields, "client connection failed while proxied");
  else log.warn(fields, "member connection failed while proxied");
}

/** A 502 JSON error if the response has not started, else the connection is closed. */
export function badGateway(res: ServerResponse, message: string): void {
  if (res.headersSent || res.destroyed) return void res.destroy();
  res.writeHead(502, { "content-type": "application/json", "retry-after": "1" });
  res.end(JSON.stringify({ error: { code: "bad_gateway", message } }));
}

/**
 * Errors on the client's side that no library listens for yet (a reset while the gateway is still
 * choosing a member, or relaying a buffered answer): logged and the connection closed, never
 * thrown. The HTTP server itself handles errors of a keep-alive connection between requests.
 */
export function guardRequest(req: IncomingMessage, res: ServerResponse, log: Logger): void {
  const failed = (err: Error): void => {
    log.debug({ err: err.message, url: req.url }, "client request failed");
    res.destroy();
  };
  req.on("error", failed);
  res.on("error", failed);
}

/** The same for an upgrade, whose socket the HTTP server hands over without an error listener. */
export function guardUpgrade(req: IncomingMessage, socket: Socket, log: Logger): void {
  socket.on("error", (err: Error) => {
    log.debug({ err: err.message, url: req.url }, "client upgrade connection failed");
    socket.destroy();
  });
}
