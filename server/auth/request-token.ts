import type { IncomingMessage } from "node:http";

/**
 * The access token of a raw HTTP request: `?token=` (what a stock socket.io-client can send with
 * `query: { token }`, on every polling request and the WebSocket upgrade) or `Authorization: Bearer`.
 */
export function tokenFromRequest(req: Pick<IncomingMessage, "url" | "headers">): string | undefined {
  const fromQuery = new URL(req.url ?? "/", "http://x").searchParams.get("token");
  if (fromQuery) return fromQuery;
  const match = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? "");
  return match?.[1];
}
