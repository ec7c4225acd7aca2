import type { IncomingMessage, ServerResponse } from "node:http";
import type { Logger } from "../log.ts";

/** An Engine.IO handshake answer is a few hundred bytes; anything far larger is not one. */
const MAX_HANDSHAKE_BYTES = 64 * 1024;

/**
 * Buffers a polling handshake answer from a member, hands its sid to `remember`, then relays it
 * unchanged. Either side may fail at any point: a client gone while the answer is buffered stops
 * the member's answer, a member's failure closes the client's connection.
 */
export function relayHandshake(
  proxyRes: IncomingMessage,
  res: ServerResponse,
  remember: (sid: string) => void,
  log: Logger,
): void {
  const chunks: Buffer[] = [];
  let size = 0;
  res.once("close", () => proxyRes.destroy());
  proxyRes.on("error", (err: Error) => {
    log.debug({ err: err.message }, "member failed while answering a handshake");
    res.destroy();
  });
  proxyRes.on("data", (chunk: Buffer) => {
    size += chunk.length;
    if (size <= MAX_HANDSHAKE_BYTES) return void chunks.push(chunk);
    log.warn({ size }, "handshake answer too large; connection closed");
    proxyRes.destroy();
    res.destroy();
  });
  proxyRes.on("end", () => {
    if (res.destroyed || res.headersSent) return;
    const body = Buffer.concat(chunks);
    const sid = sessionIdOf(body, proxyRes.headers["content-encoding"]);
    if (sid) remember(sid);
    res.writeHead(proxyRes.statusCode ?? 502, proxyRes.headers);
    res.end(body);
  });
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
