import { createServer, type Server } from "node:http";
import type { Registry } from "prom-client";
import type { Logger } from "../log.ts";

/**
 * GET /metrics on a port of its own (RINGCAST_METRICS_PORT), for scrapers on an operators'
 * network: no token there, so bind it to an interface only they reach.
 */
export class MetricsServer {
  private server: Server | undefined;

  constructor(
    private readonly registry: Registry,
    private readonly listen: { host: string; port: number },
    private readonly log: Logger,
  ) {}

  start(): void {
    this.server = createServer((req, res) => {
      if (req.method !== "GET" || req.url !== "/metrics") {
        res.writeHead(404, { "content-type": "application/json" }).end(JSON.stringify({ error: { code: "not_found", message: "only GET /metrics here" } }));
        return;
      }
      this.registry
        .metrics()
        .then((text) => res.writeHead(200, { "content-type": this.registry.contentType }).end(text))
        .catch((err: unknown) => {
          this.log.error({ err }, "metrics collection failed");
          res.writeHead(500, { "content-type": "application/json" }).end(JSON.stringify({ error: { code: "internal_error", message: "metrics collection failed" } }));
        });
    });
    this.server.on("error", (err) => this.log.error({ err, port: this.listen.port }, "metrics port unavailable"));
    this.server.listen(this.listen.port, this.listen.host);
  }

  close(): void {
    this.server?.close();
    this.server?.closeAllConnections();
  }
}
