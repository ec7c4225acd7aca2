import type { ClientRequest, IncomingMessage } from "node:http";
import type { ProxyServer } from "http-proxy-3";
import type { Logger } from "../log.ts";

/** The most of a refused body the gateway reads and discards to keep a keep-alive connection usable. */
const DRAIN_LIMIT_BYTES = 1024 * 1024;

/**
 * A member may answer before it has read the whole request body (a 413 for an oversized one) and
 * then stop reading it; the client's keep-alive connection would stall behind the unread body.
 * When that happens the gateway stops relaying the body (and drops that member connection once
 * the answer is through), then either reads and discards the rest, so the connection serves the
 * next request, or, for a body larger than DRAIN_LIMIT_BYTES (or of unknown length), says
 * `Connection: close` in the answer and closes the connection after it.
 */
export function handleEarlyAnswers(proxy: ProxyServer, log: Logger): void {
  const relays = new WeakMap<IncomingMessage, ClientRequest>();
  proxy.on("proxyReq", (proxyReq, req) => relays.set(req, proxyReq));
  proxy.on("proxyRes", (proxyRes, req) => {
    if (req.complete) return;
    const proxyReq = relays.get(req);
    req.unpipe();
    proxyRes.once("end", () => proxyReq?.destroy());
    const declared = Number(req.headers["content-length"]);
    const drain = Number.isSafeInteger(declared) && declared <= DRAIN_LIMIT_BYTES;
    log.debug({ url: req.url, status: proxyRes.statusCode, declared, drain }, "member answered before the request body ended");
    if (!drain) {
      // Read by http-proxy-3 when it copies the member's headers; Node closes after this answer.
      proxyRes.headers.connection = "close";
      delete proxyRes.headers["keep-alive"];
    }
    // Discarded, not buffered: the rest of the body reaches no one.
    req.resume();
  });
}
