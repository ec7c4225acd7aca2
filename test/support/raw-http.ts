import { randomBytes } from "node:crypto";
import { connect, type Socket } from "node:net";

/**
 * Raw TCP clients for abuse tests: requests written byte by byte so a test can reset the
 * connection (RST, `resetAndDestroy()`) at an exact stage, which no HTTP client library allows.
 */

/** A TCP connection to 127.0.0.1:port, with everything it received collected as text. */
export interface RawConnection {
  socket: Socket;
  /** Everything received so far (latin1, so byte counts match). */
  received(): string;
  /** Resolves once the received text satisfies `done`; rejects after timeoutMs or on close. */
  waitFor(done: (text: string) => boolean, timeoutMs?: number): Promise<string>;
  /** Sends a TCP RST (no FIN) and destroys the socket. */
  reset(): void;
}

export function openRaw(port: number): Promise<RawConnection> {
  const socket = connect({ host: "127.0.0.1", port });
  let text = "";
  const waiters = new Set<() => void>();
  socket.on("data", (chunk: Buffer) => {
    text += chunk.toString("latin1");
    for (const wake of waiters) wake();
  });
  // A reset of our own (or the gateway's) shows up here; the test asserts elsewhere.
  socket.on("error", () => undefined);
  socket.on("close", () => {
    for (const wake of waiters) wake();
  });
  const conn: RawConnection = {
    socket,
    received: () => text,
    waitFor: (done, timeoutMs = 5000) =>
      new Promise((resolve, reject) => {
        const check = (): void => {
          if (done(text)) return finish(() => resolve(text));
          if (socket.destroyed) finish(() => reject(new Error(`connection closed; received: ${text.slice(0, 300)}`)));
        };
        const timer = setTimeout(() => finish(() => reject(new Error(`timed out; received: ${text.slice(0, 300)}`))), timeoutMs);
        const finish = (settle: () => void): void => {
          clearTimeout(timer);
          waiters.delete(check);
          settle();
        };
        waiters.add(check);
        check();
      }),
    reset: () => {
      if (!socket.destroyed) socket.resetAndDestroy();
    },
  };
  return new Promise((resolve, reject) => {
    socket.once("connect", () => resolve(conn));
    socket.once("error", reject);
  });
}

/** A GET request line and headers (HTTP/1.1, keep-alive). */
export function getRequest(path: string, headers: Record<string, string> = {}): string {
  return head(`GET ${path} HTTP/1.1`, { host: "127.0.0.1", ...headers });
}

/** A WebSocket upgrade request for `path`. */
export function upgradeRequest(path: string): string {
  return getRequest(path, {
    connection: "Upgrade",
    upgrade: "websocket",
    "sec-websocket-version": "13",
    "sec-websocket-key": randomBytes(16).toString("base64"),
  });
}

export function head(requestLine: string, headers: Record<string, string>): string {
  return `${requestLine}\r\n${Object.entries(headers)
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join("")}\r\n`;
}

/** The Engine.IO path for a new connection of the user holding `token`. */
export function enginePath(token: string, transport: "polling" | "websocket", sid?: string): string {
  const query = new URLSearchParams({ EIO: "4", transport, token, ...(sid ? { sid } : {}) });
  return `/socket.io/?${query.toString()}`;
}

/** A masked WebSocket text frame, as a client must send it (RFC 6455 §5.3). */
export function wsTextFrame(text: string): Buffer {
  const payload = Buffer.from(text, "utf8");
  const mask = randomBytes(4);
  const length =
    payload.length < 126
      ? Buffer.from([0x80 | payload.length])
      : Buffer.from([0x80 | 126, payload.length >> 8, payload.length & 0xff]);
  if (payload.length > 0xffff) throw new Error("frame too large for this helper");
  const masked = Buffer.from(payload.map((byte, i) => byte ^ mask[i % 4]!));
  return Buffer.concat([Buffer.from([0x81]), length, mask, masked]);
}

export const isSwitching = (text: string): boolean => text.startsWith("HTTP/1.1 101");
/** The status line arrived and its headers ended. */
export const hasHead = (text: string): boolean => text.includes("\r\n\r\n");
