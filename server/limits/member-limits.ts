import type { RedisClient } from "../redis/connect.ts";
import type { Server as HttpServer } from "node:http";
import type { MemberConfig } from "../config/config.ts";
import type { Logger } from "../log.ts";
import { closeUnauthenticated, connectionCap, SocketsPerUser } from "../realtime/connection-limits.ts";
import { SlowConsumerGuard } from "../realtime/slow-consumer.ts";
import type { RingcastServer, RingcastSocket } from "../realtime/types.ts";
import { LoginLimits } from "./login-limits.ts";
import { SendLimits } from "./send-limits.ts";

type Settings = Pick<MemberConfig, "redisPrefix" | "limits" | "maxBufferedBytes" | "connectTimeoutMs" | "maxConnections" | "maxSocketsPerUser" | "trustedProxies">;

/**
 * A member's limits in one place, for the composition root: what it hands to the message service
 * and the REST app, and what it wires into Socket.IO.
 */
export class MemberLimits {
  readonly send: SendLimits;
  readonly login: LoginLimits;
  /** Its `closed` counts the transports closed for buffering too much. */
  readonly slowConsumers: SlowConsumerGuard;
  private readonly socketsPerUser: SocketsPerUser;

  constructor(
    private readonly settings: Settings,
    store: RedisClient,
    private readonly log: Logger,
    /** Broadcast mode: the user's sockets on the other live members; hash mode: none (all are on the owner). */
    elsewhere?: (userId: string) => Promise<number>,
  ) {
    this.send = new SendLimits(store, settings.redisPrefix, settings.limits);
    this.login = new LoginLimits(store, settings.redisPrefix, settings.limits, new Set(settings.trustedProxies));
    this.slowConsumers = new SlowConsumerGuard(settings.maxBufferedBytes, log);
    this.socketsPerUser = new SocketsPerUser(settings.maxSocketsPerUser, elsewhere);
  }

  /** Once Socket.IO is attached to the HTTP server. */
  attach(io: RingcastServer, httpServer: HttpServer): void {
    io.engine.use(connectionCap(this.settings.maxConnections, () => io.engine.clientsCount));
    this.slowConsumers.attach(httpServer);
    closeUnauthenticated(io, this.settings.connectTimeoutMs, this.log);
  }

  /** Socket.IO middleware: goes after the handshake's authentication. */
  socketsPerUserGate(): ReturnType<SocketsPerUser["gate"]> {
    return this.socketsPerUser.gate();
  }

  /** On connection, before the socket's handshake request is dropped. */
  watch(socket: RingcastSocket): void {
    this.slowConsumers.watch(socket);
    this.socketsPerUser.track(socket);
  }
}
