import { readFileSync } from "node:fs";
import { join } from "node:path";
import type Router from "@koa/router";
import type { Context } from "koa";
import { RingcastError } from "../../errors.ts";
import { contentSecurityPolicy } from "../security-headers.ts";

/** The built web app's files (npm run build writes them to web/dist), with their content types. */
const FILES: Record<string, string> = {
  "index.html": "text/html; charset=utf-8",
  "app.js": "text/javascript; charset=utf-8",
  "styles.css": "text/css; charset=utf-8",
};
const SOURCE_MAP = "app.js.map";

export interface WebAppOptions {
  /** Folder of the built web app. */
  root: string;
  /** Serve app.js.map too (it shows the source to anyone who asks). */
  sourceMaps: boolean;
  /** Origins of the cluster's members, which the page may connect to. */
  memberOrigins: () => string[];
}

/**
 * GET / (and /index.html, /app.js, /styles.css): the classroom web app, read once at start-up.
 * When it was not built, `/` says how to build it instead of failing silently.
 */
export function webAppRoutes(router: Router, options: WebAppOptions): void {
  const types: Record<string, string> = options.sourceMaps ? { ...FILES, [SOURCE_MAP]: "application/json" } : FILES;
  const files = new Map<string, Buffer>();
  for (const name of Object.keys(types)) {
    try {
      files.set(name, readFileSync(join(options.root, name)));
    } catch {
      // not built: answered below
    }
  }
  const serve = (name: string) => (ctx: Context) => {
    const file = files.get(name);
    if (!file) throw new RingcastError("not_found", "the web app is not built: run npm run build");
    ctx.type = types[name]!;
    ctx.set("cache-control", name === "index.html" ? "no-cache" : "public, max-age=300");
    if (name === "index.html") ctx.set("Content-Security-Policy", contentSecurityPolicy(options.memberOrigins()));
    ctx.body = file;
  };
  router.get("/", serve("index.html"));
  for (const name of Object.keys(types)) router.get(`/${name}`, serve(name));
}
