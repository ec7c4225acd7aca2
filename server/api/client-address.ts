import type { Context } from "koa";

/**
 * The address a request came from, for per-address limits. The TCP peer, unless the peer is a
 * trusted proxy (the gateway): then the address that proxy appended last to X-Forwarded-For.
 * Only the last entry is taken: anything before it came from the client and can be forged.
 */
export function clientAddress(ctx: Context, trustedProxies: ReadonlySet<string>): string {
  const peer = normalize(ctx.req.socket.remoteAddress ?? "");
  if (!trustedProxies.has(peer)) return peer;
  const forwarded = ctx.get("X-Forwarded-For").split(",").map((part) => part.trim()).filter(Boolean);
  return forwarded.length > 0 ? normalize(forwarded.at(-1)!) : peer;
}

/** IPv4 addresses arrive as "::ffff:1.2.3.4" on dual-stack sockets: one spelling per address. */
function normalize(address: string): string {
  return address.startsWith("::ffff:") ? address.slice(7) : address;
}
