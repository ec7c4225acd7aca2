import { readFileSync } from "node:fs";
import { join } from "node:path";
import type Router from "@koa/router";
import type { Context } from "koa";
import { RingcastError } from "../../errors.ts";

/** The built web app's files (npm run build writes them to web/dist), with their content types. */
const FILES: Record<string, string> = {
  "index.html": "text/html; charset=utf-8",
  "app.js": "text/javascript; charset=utf-8",
  "app.js.map": "application/json",
  "styles.css": "text/css; charset=utf-8",
};

/**
 * GET / (and /index.html, /app.js, /styles.css): the classroom web app, read once at start-up.
 * When it was not built, `/` says how to build it instead of failing silently.
 */
export function webAppRoutes(router: Router, webRoot: string): void {
  const files = new Map<string, Buffer>();
  for (const name of Object.keys(FILES)) {
    try {
      files.set(name, readFileSync(join(webRoot, name)));
    } catch {
      // not built: answered below
    }
  }
  const serve = (name: string) => (ctx: Context) => {
    const file = files.get(name);
    if (!file) throw new RingcastError("not_found", "the web app is not built: run npm run build");
    ctx.type = FILES[name]!;
    ctx.set("cache-control", name === "index.html" ? "no-cache" : "public, max-age=300");
    ctx.set("x-content-type-options", "nosniff");
    ctx.body = file;
  };
  router.get("/", serve("index.html"));
  for (const name of Object.keys(FILES)) router.get(`/${name}`, serve(name));
}
