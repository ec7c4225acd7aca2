import { type IncomingMessage, ServerResponse } from "node:http";
import type { Logger } from "../log.ts";
import type { RingcastServer, RingcastSocket } from "./types.ts";

/** A connect_error the client can read: `err.message` and `err.data.code`. */
class HandshakeError extends Error {
  constructor(
    message: string,
    readonly data: { code: string },
  ) {
    super(message);
  }
}

/** Seconds a client refused for a full member should wait before it retries. */
const RETRY_AFTER_SECONDS = 2;

/**
 * Engine.IO middleware: a new session beyond `max` connections on this member is answered 503 with
 * Retry-After (a stock client retries with backoff, through a router possibly elsewhere). Requests
 * of sessions already open pass. Engine.IO's allowRequest could only answer 403, hence a middleware.
 */
export function connectionCap(max: number, count: () => number) {
  const body = JSON.stringify({ error: { code: "service_unavailable", message: `this member holds its maximum of ${max} connections; retry shortly` } });
  return (req: IncomingMessage, res: ServerResponse, next: (err?: unknown) => void): void => {
    if (count() < max || hasSessionId(req.url)) return next();
    if (res instanceof ServerResponse) {
      res.writeHead(503, { "Content-Type": "application/json", "Retry-After": String(RETRY_AFTER_SECONDS) }).end(body);
      return;
    }
    // A WebSocket upgrade: Engine.IO's response object for it cannot carry a status; answer on the socket.
    req.socket.end(
      `HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Type: application/json\r\nRetry-After: ${RETRY_AFTER_SECONDS}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
  };
}

function hasSessionId(url: string | undefined): boolean {
  const query = url?.indexOf("?") ?? -1;
  return url !== undefined && query >= 0 && new URLSearchParams(url.slice(query + 1)).has("sid");
}

/**
 * Open sockets per user, cluster-wide, checked at the handshake (after the token is verified).
 * This member's sockets are counted here; in broadcast mode a user's sockets spread over members,
 * so `elsewhere` reads the other live members' counts (presence, replicated to every member within
 * a few ms, 50 ms under bursts). Handshakes of one user on two members within that window may both
 * pass: the bound is exact to within them.
 */
export class SocketsPerUser {
  private readonly local = new Map<string, number>();

  constructor(
    private readonly max: number,
    private readonly elsewhere?: (userId: string) => Promise<number>,
  ) {}

  /** Socket.IO middleware; goes after the one that sets socket.data.userId. */
  gate() {
    return (socket: RingcastSocket, next: (err?: Error) => void): void => {
      const userId = socket.data.userId;
      const here = this.local.get(userId) ?? 0;
      if (here >= this.max) return next(this.refusal());
      if (!this.elsewhere) return next();
      // Presence is advisory: when it cannot be read, this member's own count decides.
      this.elsewhere(userId).then(
        (there) => next(here + there >= this.max ? this.refusal() : undefined),
        () => next(),
      );
    };
  }

  /** Counts a connected socket until it disconnects. */
  track(socket: RingcastSocket): void {
    const userId = socket.data.userId;
    this.local.set(userId, (this.local.get(userId) ?? 0) + 1);
    socket.once("disconnect", () => {
      const left = (this.local.get(userId) ?? 1) - 1;
      if (left > 0) this.local.set(userId, left);
      else this.local.delete(userId);
    });
  }

  private refusal(): HandshakeError {
    return new HandshakeError(`too many open connections for this user (at most ${this.max}); close one and retry`, { code: "rate_limited" });
  }
}

/**
 * Closes an Engine.IO connection that has not joined Socket.IO (no valid token: refused, or never
 * asked) within `timeoutMs`. Socket.IO's connectTimeout covers only a client that never sends its
 * CONNECT packet; one that sends a bad token would otherwise keep its connection.
 */
export function closeUnauthenticated(io: RingcastServer, timeoutMs: number, log: Logger): void {
  const joined = new WeakSet<object>();
  io.on("connection", (socket) => joined.add(socket.conn));
  io.engine.on("connection", (conn: RingcastSocket["conn"]) => {
    const timer = setTimeout(() => {
      if (joined.has(conn) || conn.readyState !== "open") return;
      log.debug({ timeoutMs }, "connection without a session closed");
      conn.close();
    }, timeoutMs);
    conn.once("close", () => clearTimeout(timer));
  });
}
