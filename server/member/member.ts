import type { Server as HttpServer } from "node:http";
import type { AddressInfo } from "node:net";
import type { Redis } from "ioredis";
import type { Bus } from "../bus/bus.ts";
import type { Logger } from "../log.ts";
import type { RingcastServer } from "../realtime/types.ts";
import { closeRedis, connectRedis } from "../redis/connect.ts";
import type { Registry } from "../registry/registry.ts";

export type MemberStatus = "idle" | "starting" | "running" | "closing" | "closed";

export interface MemberParts {
  httpServer: HttpServer;
  io: RingcastServer;
  registry: Registry;
  bus: Bus;
  /** Redis connections outside the bus (store, registry watch); connected and closed with the member. */
  redisClients: Redis[];
  /** Background work started once registered and stopped first on close (e.g. the rebalancer). */
  services: { start(): void; close(): void }[];
  /** Pause between deregistering and closing sockets, so routers learn the change first (ms). */
  drainDelayMs: number;
  log: Logger;
  /** Where to listen; undefined when a sticky primary hands connections over instead. */
  listen: { host: string; port: number } | undefined;
  /** Runs once Redis is up, before the member is registered (e.g. demo seeding). */
  beforeRegister?: () => Promise<void>;
}

/** One Socket.IO server with the REST API on the same port: start, serve, close. */
export class Member {
  status: MemberStatus = "idle";

  constructor(private readonly parts: MemberParts) {}

  get io(): RingcastServer {
    return this.parts.io;
  }

  /** The port actually bound (useful with PORT=0); undefined when not listening. */
  get port(): number | undefined {
    return (this.parts.httpServer.address() as AddressInfo | null)?.port;
  }

  async start(): Promise<void> {
    if (this.status !== "idle") throw new Error(`member is ${this.status}`);
    this.status = "starting";
    const { redisClients, bus, registry, listen, beforeRegister } = this.parts;
    await Promise.all([...redisClients.map((client) => connectRedis(client)), bus.start()]);
    await beforeRegister?.();
    if (listen) await this.listen(listen.host, listen.port);
    for (const service of this.parts.services) service.start();
    await registry.start();
    this.status = "running";
  }

  /** Deregisters first (so routers stop sending users here), then closes sockets and Redis. */
  async close(): Promise<void> {
    if (this.status === "closing" || this.status === "closed") return;
    this.status = "closing";
    const { registry, io, httpServer, bus, redisClients, services, drainDelayMs } = this.parts;
    await registry.close();
    for (const service of services) service.close();
    if (drainDelayMs > 0) await new Promise((resolve) => setTimeout(resolve, drainDelayMs));
    // io.close() closes each transport without a Socket.IO disconnect packet, so stock clients
    // treat it as "transport close" and reconnect (to another member) by themselves.
    await new Promise<void>((resolve) => io.close(() => resolve()));
    httpServer.closeAllConnections();
    await Promise.all([bus.close(), ...redisClients.map(closeRedis)]);
    this.status = "closed";
  }

  private listen(host: string, port: number): Promise<void> {
    const server = this.parts.httpServer;
    return new Promise((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, host, () => {
        server.off("error", reject);
        resolve();
      });
    });
  }
}
