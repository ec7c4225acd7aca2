import type { Server as HttpServer } from "node:http";
import type { AddressInfo } from "node:net";
import type { Bus } from "../bus/bus.ts";
import type { Logger } from "../log.ts";
import type { RingcastServer } from "../realtime/types.ts";
import { closeRedis, connectRedis, type RedisClient } from "../redis/connect.ts";
import type { Registry } from "../registry/registry.ts";
import { closeSocketsPaced } from "./drain.ts";
import type { InFlight } from "./in-flight.ts";

export type MemberStatus = "idle" | "starting" | "running" | "closing" | "closed";

export interface MemberParts {
  httpServer: HttpServer;
  io: RingcastServer;
  registry: Registry;
  bus: Bus;
  /** Redis connections outside the bus (store, registry watch); connected and closed with the member. */
  redisClients: RedisClient[];
  /** Background work started once registered and stopped first on close (e.g. the rebalancer). */
  services: { start(): void; close(): void }[];
  /** Sends between accept and ack; the drain waits for them. */
  inFlight: InFlight;
  drain: DrainSettings;
  log: Logger;
  /** Where to listen; undefined when a sticky primary hands connections over instead. */
  listen: { host: string; port: number } | undefined;
  /** Runs once Redis is up, before the member is registered (e.g. demo seeding). */
  beforeRegister?: () => Promise<void>;
}

export interface DrainSettings {
  /** Everything, from SIGTERM to closed Redis connections, within this (ms). */
  graceMs: number;
  /** Pause between deregistering and closing sockets, so routers learn the change first (ms). */
  delayMs: number;
  /** Sockets closed per batch (raised when needed to finish within the grace period). */
  batchSize: number;
  /** Pause between batches (ms). */
  intervalMs: number;
}

/** Kept from the grace period for closing the server and Redis after the last socket. */
const EXIT_RESERVE_MS = 500;

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

  /** False once closing began: new Engine.IO sessions are refused from then on. */
  get accepting(): boolean {
    return this.status === "starting" || this.status === "running";
  }

  /**
   * The graceful drain: stop accepting connections, deregister (so routers send users elsewhere),
   * close the sockets in paced batches while in-flight sends finish, then close Redis; all within
   * the grace period.
   */
  async close(): Promise<void> {
    if (this.status === "closing" || this.status === "closed") return;
    this.status = "closing";
    const { registry, io, httpServer, bus, redisClients, services, drain, inFlight, log } = this.parts;
    const deadline = Date.now() + drain.graceMs - EXIT_RESERVE_MS;
    httpServer.close(); // no new TCP connections; requests on open ones are still answered
    await registry.close();
    for (const service of services) service.close();
    if (drain.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, drain.delayMs));
    const sendsInFlight = inFlight.size;
    const sockets = await closeSocketsPaced(io, inFlight, { batchSize: drain.batchSize, intervalMs: drain.intervalMs, deadline });
    const finished = await inFlight.settled(deadline);
    log.info({ ...sockets, sendsInFlight, unfinishedSends: finished ? 0 : inFlight.size }, "drained");
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
