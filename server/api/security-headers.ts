import type { Context, Next } from "koa";

/**
 * Headers every answer carries: no MIME sniffing, no referrer leaking ids in URLs, never framed
 * (clickjacking). The web page adds its Content-Security-Policy (see routes/web-app.ts).
 */
export async function securityHeaders(ctx: Context, next: Next): Promise<void> {
  ctx.set("X-Content-Type-Options", "nosniff");
  ctx.set("Referrer-Policy", "no-referrer");
  ctx.set("X-Frame-Options", "DENY");
  await next();
}

/**
 * The page loads only its own script and styles, runs nothing inline, cannot be framed, and
 * connects only to its origin and the cluster's members (a member alone routes the socket to
 * the user's owner by URL).
 */
export function contentSecurityPolicy(memberOrigins: readonly string[]): string {
  const sockets = memberOrigins.map((origin) => origin.replace(/^http/, "ws"));
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    `connect-src 'self' ${[...memberOrigins, ...sockets].join(" ")}`.trim(),
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join("; ");
}
