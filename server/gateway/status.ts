import { createHash, timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Registry } from "prom-client";
import type { RedisMembershipWatcher } from "../registry/redis-membership-watcher.ts";
import type { GatewayLimits } from "./limits.ts";
import type { SessionTable } from "./session-table.ts";

export const HEALTH_PATH = "/gateway/healthz";
export const STATUS_PATH = "/gateway/status";
export const METRICS_PATH = "/metrics";

export interface StatusSources {
  mode: "broadcast" | "hash";
  watcher: RedisMembershipWatcher;
  sessions: SessionTable;
  limits: GatewayLimits;
  /** RINGCAST_OPERATOR_TOKEN; without it the status route answers 403 to everyone. */
  operatorToken: string | undefined;
  /** The gateway's Prometheus registry, at /metrics for operators. */
  metrics: Registry;
}

/**
 * The gateway's own routes. `/gateway/healthz` is open and says nothing internal (a load
 * balancer or the web app only needs to know a gateway answers); `/gateway/status` tells an
 * operator (bearer RINGCAST_OPERATOR_TOKEN) which members it routes to and what it holds.
 */
export class GatewayRoutes {
  private readonly operatorDigest: Buffer | undefined;

  constructor(private readonly sources: StatusSources) {
    this.operatorDigest = sources.operatorToken === undefined ? undefined : digest(sources.operatorToken);
  }

  /** Answers `req` if it is one of the gateway's routes; false if it is for a member. */
  handle(req: IncomingMessage, res: ServerResponse): boolean {
    const path = new URL(req.url ?? "/", "http://gateway").pathname;
    if (path === HEALTH_PATH) json(res, 200, { status: "ok", mode: this.sources.mode });
    else if (path === STATUS_PATH) this.operatorOnly(req, res, () => this.status(res));
    else if (path === METRICS_PATH) this.operatorOnly(req, res, () => void this.metrics(res));
    else return false;
    return true;
  }

  private operatorOnly(req: IncomingMessage, res: ServerResponse, answer: () => void): void {
    const presented = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? "")?.[1];
    if (presented === undefined) return json(res, 401, failure("missing_token", "send Authorization: Bearer <RINGCAST_OPERATOR_TOKEN>"));
    if (!this.isOperator(presented)) return json(res, 403, failure("forbidden", "this gateway route is for operators only"));
    answer();
  }

  private async metrics(res: ServerResponse): Promise<void> {
    const { metrics } = this.sources;
    try {
      const text = await metrics.metrics();
      res.writeHead(200, { "content-type": metrics.contentType }).end(text);
    } catch {
      json(res, 500, failure("internal_error", "metrics collection failed"));
    }
  }

  private status(res: ServerResponse): void {
    const { mode, watcher, sessions, limits } = this.sources;
    const membership = watcher.current();
    json(res, 200, {
      status: "ok",
      mode,
      epoch: membership?.epoch ?? null,
      members: membership?.members.map((m) => ({ id: m.id, url: m.url })) ?? [],
      sessions: sessions.size,
      connections: limits.connections(),
    });
  }

  /** Compared as fixed-length digests in constant time: neither content nor length leaks. */
  private isOperator(presented: string): boolean {
    return this.operatorDigest !== undefined && timingSafeEqual(digest(presented), this.operatorDigest);
  }
}

function digest(secret: string): Buffer {
  return createHash("sha256").update(secret).digest();
}

function failure(code: string, message: string): { error: { code: string; message: string } } {
  return { error: { code, message } };
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json", "cache-control": "no-store" });
  res.end(JSON.stringify(body));
}
