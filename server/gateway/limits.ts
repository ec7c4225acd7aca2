import type { IncomingMessage, ServerResponse } from "node:http";
import type { Socket } from "node:net";
import { RateLimiterMemory, RateLimiterRes } from "rate-limiter-flexible";
import type { Limit } from "../config/config.ts";
import { RateLimitedError } from "../errors.ts";

export interface GatewayLimitSettings {
  /** Most connections (WebSockets and HTTP requests in flight) the gateway holds to one member. */
  maxConnectionsPerMember: number;
  /** New Engine.IO connections one client address may open per window. */
  handshakesPerAddress: Limit;
}

/** How long a client refused for a full member should wait: connections free up continuously. */
const FULL_MEMBER_RETRY_MS = 1000;
const ENGINE_PATH = "/socket.io/";

/**
 * The gateway's own limits, per gateway process (each gateway sees its own clients and its own
 * connections, so no shared store is needed). A refusal is a RateLimitedError for the caller to
 * answer; requests of an established Engine.IO session are counted but never refused, so a limit
 * stops new load without breaking connections already admitted.
 */
export class GatewayLimits {
  private readonly handshakes: RateLimiterMemory;
  private readonly open = new Map<string, number>();

  constructor(private readonly settings: GatewayLimitSettings) {
    const { points, seconds } = settings.handshakesPerAddress;
    this.handshakes = new RateLimiterMemory({ points, duration: seconds });
  }

  /** Spends one handshake of the request's client address, if the request opens a connection. */
  async admitHandshake(req: IncomingMessage): Promise<RateLimitedError | undefined> {
    if (engineRequest(req) !== "opens") return undefined;
    try {
      await this.handshakes.consume(req.socket.remoteAddress ?? "unknown");
      return undefined;
    } catch (refused) {
      if (!(refused instanceof RateLimiterRes)) throw refused;
      return new RateLimitedError("new connections from this address", Math.max(1, refused.msBeforeNext));
    }
  }

  /**
   * Holds one connection slot at `memberUrl` until `connection` closes (a response or an upgraded
   * socket). New work past the cap is refused; a request of an existing session always passes.
   */
  admitConnection(req: IncomingMessage, memberUrl: string, connection: ServerResponse | Socket): RateLimitedError | undefined {
    const open = this.open.get(memberUrl) ?? 0;
    if (open >= this.settings.maxConnectionsPerMember && engineRequest(req) !== "of-session") {
      return new RateLimitedError("connections to this member", FULL_MEMBER_RETRY_MS);
    }
    this.open.set(memberUrl, open + 1);
    connection.once("close", () => {
      const left = (this.open.get(memberUrl) ?? 1) - 1;
      if (left > 0) this.open.set(memberUrl, left);
      else this.open.delete(memberUrl);
    });
    return undefined;
  }

  /** Open connections per member URL (for the operator status). */
  connections(): Record<string, number> {
    return Object.fromEntries(this.open);
  }
}

/**
 * An Engine.IO request either opens a connection (no session id: a polling handshake or a direct
 * WebSocket) or belongs to an established session; anything else is REST.
 */
function engineRequest(req: IncomingMessage): "opens" | "of-session" | undefined {
  const url = new URL(req.url ?? "/", "http://gateway");
  if (!url.pathname.startsWith(ENGINE_PATH)) return undefined;
  return url.searchParams.has("sid") ? "of-session" : "opens";
}

/** 429 with Retry-After and `{ error: { code: "rate_limited", message, retryAfterMs } }`. */
export function refuseRequest(res: ServerResponse, error: RateLimitedError): void {
  if (res.headersSent || res.destroyed) return void res.destroy();
  res.writeHead(429, { "content-type": "application/json", "retry-after": retryAfterSeconds(error) });
  res.end(JSON.stringify({ error: error.toJSON() }));
}

/** The same answer written on a socket that asked to upgrade, then closed. */
export function refuseUpgrade(socket: Socket, error: RateLimitedError): void {
  const body = JSON.stringify({ error: error.toJSON() });
  const head = [
    "HTTP/1.1 429 Too Many Requests",
    "Connection: close",
    "Content-Type: application/json",
    `Retry-After: ${retryAfterSeconds(error)}`,
    `Content-Length: ${Buffer.byteLength(body)}`,
  ];
  if (!socket.destroyed) socket.end(`${head.join("\r\n")}\r\n\r\n${body}`);
}

function retryAfterSeconds(error: RateLimitedError): string {
  return String(Math.max(1, Math.ceil(error.retryAfterMs / 1000)));
}
