import type { Context, Next } from "koa";

/** Allows the configured origins to call the REST API from a browser (Socket.IO has its own option). */
export function cors(allowedOrigins: string[]) {
  const allowed = new Set(allowedOrigins);
  return async (ctx: Context, next: Next): Promise<void> => {
    ctx.vary("Origin");
    const origin = ctx.get("Origin");
    if (!origin || !allowed.has(origin)) return next();
    ctx.set("Access-Control-Allow-Origin", origin);
    if (ctx.method !== "OPTIONS") return next();
    ctx.set("Access-Control-Allow-Methods", "GET, POST, OPTIONS");
    ctx.set("Access-Control-Allow-Headers", "Authorization, Content-Type");
    ctx.set("Access-Control-Max-Age", "600");
    ctx.status = 204;
  };
}
