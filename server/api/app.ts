import { bodyParser } from "@koa/bodyparser";
import Router from "@koa/router";
import Koa from "koa";
import type { SessionGuard } from "../auth/revocations.ts";
import type { TokenService } from "../auth/tokens.ts";
import type { LoginLimits } from "../limits/login-limits.ts";
import type { Logger } from "../log.ts";
import type { MessageCounters } from "../metrics/counters.ts";
import type { Registry as PromRegistry } from "prom-client";
import type { MessageService } from "../messaging/message-service.ts";
import type { Registry } from "../registry/registry.ts";
import type { MemberLocator } from "../ring/member-locator.ts";
import type { SchoolStore } from "../school/school.ts";
import { requireToken } from "./auth.ts";
import { cors } from "./cors.ts";
import { openApiDocument } from "./openapi.ts";
import { requireOperator } from "./operator.ts";
import { securityHeaders } from "./security-headers.ts";
import { bodyParserError, errorMiddleware, requireJson } from "./errors.ts";
import { clusterRoutes } from "./routes/cluster.ts";
import { metricsRoutes } from "./routes/metrics.ts";
import { healthRoutes } from "./routes/health.ts";
import { logoutRoutes } from "./routes/logout.ts";
import { messageRoutes } from "./routes/messages.ts";
import { schoolRoutes } from "./routes/school.ts";
import { sessionRoutes } from "./routes/session.ts";
import { webAppRoutes } from "./routes/web-app.ts";

export interface AppDeps {
  tokens: TokenService;
  /** Refuses revoked tokens and those of disabled or deleted users; revokes on logout. */
  sessionGuard: SessionGuard;
  school: SchoolStore;
  /** Limits on POST /api/login (per client address, failures per user id); none: unlimited. */
  loginLimits?: LoginLimits;
  messages: MessageService;
  registry: Registry;
  /** True when every Redis connection this member needs is up. */
  redisReady: () => boolean;
  /** Why the data in Redis cannot be served (lost, replaced, being checked), or undefined. */
  datasetProblem?: () => string | undefined;
  mode: "broadcast" | "hash";
  nodeId: string;
  /** Each member's share of the hash ring (hash mode), or undefined. */
  ringShares: () => Map<string, number> | undefined;
  locator: MemberLocator;
  maxBodyBytes: number;
  corsOrigins: string[];
  maxMessageChars: number;
  /** Folder of the built web app served at `/`; none: no web app. */
  webRoot?: string;
  /** Serve the web app's source map. */
  webSourceMaps?: boolean;
  /** Bearer secret of the operator-only routes; none: they answer 403. */
  operatorToken: string | undefined;
  /** The member's Prometheus registry, served at GET /metrics to operators. */
  metrics?: PromRegistry;
  /** Refusals are counted here by error code. */
  counters?: MessageCounters;
  log: Logger;
}

const ROUTES = new WeakMap<Koa, { method: string; path: string }[]>();

/** The routes an app built by createApp answers (method and Koa path, e.g. /api/messages/:id). */
export function routesOf(app: Koa): { method: string; path: string }[] {
  return ROUTES.get(app) ?? [];
}

/** Builds the REST API. It never listens: the member mounts it on the Socket.IO HTTP server. */
export function createApp(deps: AppDeps): Koa {
  const app = new Koa();
  app.proxy = false;
  app.silent = true; // the error middleware logs; Koa's default handler would print stacks to stderr

  const router = new Router();
  const authenticated = requireToken(deps.tokens, deps.sessionGuard);
  healthRoutes(router, deps);
  const openApi = openApiDocument({ maxMessageChars: deps.maxMessageChars });
  router.get("/api/openapi.json", (ctx) => {
    ctx.body = openApi;
  });
  sessionRoutes(router, deps, authenticated);
  logoutRoutes(router, deps, authenticated);
  schoolRoutes(router, deps, authenticated);
  messageRoutes(router, deps, authenticated);
  const operator = requireOperator(deps.operatorToken);
  clusterRoutes(router, deps, authenticated, operator);
  if (deps.metrics) metricsRoutes(router, deps.metrics, operator);
  if (deps.webRoot) webAppRoutes(router, { root: deps.webRoot, sourceMaps: deps.webSourceMaps ?? false, memberOrigins: () => memberOrigins(deps.registry) });

  app.use(errorMiddleware(deps.log, deps.counters));
  app.use(securityHeaders);
  app.use(cors(deps.corsOrigins));
  app.use(requireJson);
  app.use(
    bodyParser({
      enableTypes: ["json"],
      jsonLimit: deps.maxBodyBytes,
      jsonStrict: true,
      onError: bodyParserError,
    }),
  );
  ROUTES.set(
    app,
    router.stack.flatMap((layer) => layer.methods.filter((method) => method !== "HEAD").map((method) => ({ method, path: String(layer.path) }))),
  );
  app.use(router.routes());
  app.use(router.allowedMethods({ throw: false }));
  return app;
}

/** The origins of the live members (what a page served by one member may connect to). */
function memberOrigins(registry: Registry): string[] {
  const origins = new Set<string>();
  for (const member of registry.current()?.members ?? []) {
    try {
      origins.add(new URL(member.url).origin);
    } catch {
      // a malformed URL in the registry is not an origin to allow
    }
  }
  return [...origins];
}
