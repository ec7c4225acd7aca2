import type { IncomingMessage, Server as HttpServer } from "node:http";
import type { Duplex } from "node:stream";
import type { Logger } from "../log.ts";
import type { RingcastSocket } from "./types.ts";

interface Watch {
  socket: RingcastSocket;
  /** The TCP socket the transport writes to (the upgraded one once the client upgrades). */
  tcp: Duplex | undefined;
  /** The TCP socket of a WebSocket upgrade in progress for this session. */
  upgrading: Duplex | undefined;
  /** Bytes in Engine.IO's write buffer: packets created since the last flush to the transport. */
  pending: number;
  closing: boolean;
}

/** An Engine.IO packet as its `packetCreate` event gives it. */
interface EnginePacket {
  data?: unknown;
}

/**
 * Bounds what the member holds for one connection that does not read: the bytes Engine.IO
 * buffers (its write buffer, polling included) plus the bytes the TCP socket has not sent yet.
 * Checked as each packet is created (a few additions, no walk over the buffer). Past the cap the
 * transport is closed: a stock client reconnects and resumes from its last message id, so the
 * closed connection loses nothing, and the member frees what it held.
 */
export class SlowConsumerGuard {
  /** Transports closed because they passed the cap, since the member started. */
  closed = 0;
  /** Watched connections by Engine.IO session id (to find a session's WebSocket upgrade). */
  private readonly watches = new Map<string, Watch>();

  constructor(
    private readonly maxBytes: number,
    private readonly log: Logger,
  ) {}

  /** Learns the TCP socket of each WebSocket upgrade of a watched session (polling first, then upgrade). */
  attach(httpServer: HttpServer): void {
    httpServer.on("upgrade", (req: IncomingMessage, tcp: Duplex) => {
      const sid = sessionIdOf(req.url);
      const watch = sid === undefined ? undefined : this.watches.get(sid);
      if (watch) watch.upgrading = tcp;
    });
  }

  /** Call on connection, before the handshake request is dropped from the socket. */
  watch(socket: RingcastSocket): void {
    const conn = socket.conn;
    const watch: Watch = { socket, tcp: conn.request?.socket, upgrading: undefined, pending: 0, closing: false };
    // The transport's sid is the Engine.IO session id (the id itself is private in its typings).
    const sid = conn.transport.sid;
    this.watches.set(sid, watch);
    conn.on("packetCreate", (packet: EnginePacket) => {
      watch.pending += sizeOf(packet);
      if (watch.pending + (watch.tcp?.writableLength ?? 0) > this.maxBytes) this.close(watch);
    });
    // Handed to the transport: from here the bytes are in the TCP socket's buffer.
    conn.on("flush", () => {
      watch.pending = 0;
    });
    conn.on("upgrade", () => {
      watch.tcp = watch.upgrading ?? watch.tcp;
      watch.upgrading = undefined;
    });
    conn.once("close", () => this.watches.delete(sid));
  }

  private close(watch: Watch): void {
    if (watch.closing) return;
    watch.closing = true;
    this.closed++;
    const conn = watch.socket.conn;
    const buffered = watch.pending + (watch.tcp?.writableLength ?? 0);
    this.log.info({ userId: watch.socket.data.userId, transport: conn.transport.name, buffered, maxBytes: this.maxBytes }, "slow consumer: transport closed (the client resumes from its last message)");
    // Discard: a plain close would wait for the write buffer to drain, which a reader that does
    // not read never lets happen.
    conn.close(true);
    // A WebSocket's TCP socket is its own: destroyed, its unsent bytes are freed now instead of
    // when the WebSocket's closing handshake times out.
    if (conn.transport.name === "websocket") watch.tcp?.destroy();
  }
}

function sizeOf(packet: EnginePacket): number {
  const data = packet.data;
  if (typeof data === "string") return data.length + 1;
  if (data instanceof ArrayBuffer || ArrayBuffer.isView(data)) return data.byteLength + 1;
  return 1;
}

/** The `sid` query parameter of an Engine.IO request URL. */
function sessionIdOf(url: string | undefined): string | undefined {
  const query = url?.indexOf("?") ?? -1;
  if (!url || query < 0) return undefined;
  return new URLSearchParams(url.slice(query + 1)).get("sid") ?? undefined;
}
