import { createServer, type Server as HttpServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Server } from "socket.io";
import { createApp } from "../api/app.ts";
import { RedisBus } from "../bus/redis-bus.ts";
import { TokenService } from "../auth/tokens.ts";
import type { MemberConfig } from "../config/config.ts";
import type { Logger } from "../log.ts";
import { MessageService } from "../messaging/message-service.ts";
import { socketAuth } from "../realtime/socket-auth.ts";
import { SocketIoDelivery } from "../realtime/socket-delivery.ts";
import { registerSocketHandlers } from "../realtime/socket-handlers.ts";
import type { RingcastServer } from "../realtime/types.ts";
import { allReady, createRedisClient } from "../redis/connect.ts";
import { redisKeys } from "../redis/keys.ts";
import { RedisRegistry } from "../registry/redis-registry.ts";
import { setupStickyWorker } from "../router/sticky-worker.ts";
import { seedDemoSchoolOnce } from "../school/demo-school.ts";
import { RedisSchoolStore } from "../school/redis-school-store.ts";
import { Member } from "./member.ts";

export interface ComposeOptions {
  /** Behind the node:cluster sticky primary: do not listen, take connections over IPC. */
  stickyWorker?: boolean;
}

/** The composition root: the only place that builds a member's parts and wires them together. */
export function composeMember(config: MemberConfig, log: Logger, options: ComposeOptions = {}): Member {
  const keys = redisKeys(config.redisPrefix);
  const store = createRedisClient(config.redisUrl, "store", log);
  const watch = createRedisClient(config.redisUrl, "watch", log);
  const bus = new RedisBus(
    createRedisClient(config.redisUrl, "pub", log),
    createRedisClient(config.redisUrl, "sub", log),
    { key: keys.adapterKey },
  );

  const school = new RedisSchoolStore(store, keys);
  const tokens = new TokenService(config.tokenSecret, config.tokenTtlSeconds);
  const io: RingcastServer = new Server({
    adapter: bus.adapter,
    maxHttpBufferSize: config.maxSocketPayloadBytes,
    cors: config.corsOrigins.length > 0 ? { origin: config.corsOrigins } : undefined,
    serveClient: false,
  });
  const messages = new MessageService(school, new SocketIoDelivery(io));
  const registry = new RedisRegistry(
    store,
    watch,
    keys,
    {
      id: config.nodeId,
      url: () => config.advertiseUrl ?? `http://${config.host}:${listeningPort(httpServer) ?? config.port}`,
      mode: config.mode,
      socketCount: () => io.engine.clientsCount,
    },
    { heartbeatMs: config.heartbeatMs, leaseMs: config.leaseMs },
    log,
  );
  const app = createApp({
    tokens,
    school,
    messages,
    registry,
    redisReady: () => allReady([store, watch]) && bus.isUp(),
    mode: config.mode,
    nodeId: config.nodeId,
    maxBodyBytes: config.maxBodyBytes,
    maxMessageChars: config.maxMessageChars,
    corsOrigins: config.corsOrigins,
    log,
  });

  // Koa must be the server's request listener before Socket.IO attaches, so Socket.IO can pass
  // every non-/socket.io/ request on to it.
  const httpServer = createServer(app.callback());
  io.attach(httpServer);
  io.use(socketAuth(tokens, school, log));
  io.on("connection", (socket) =>
    registerSocketHandlers(socket, { messages, maxMessageChars: config.maxMessageChars, log }),
  );
  if (options.stickyWorker) setupStickyWorker(io);

  return new Member({
    httpServer,
    io,
    registry,
    bus,
    redisClients: [store, watch],
    log,
    listen: options.stickyWorker ? undefined : { host: config.host, port: config.port },
    beforeRegister: config.seedDemo ? () => seedDemoSchoolOnce(school, config.demoPassword, log) : undefined,
  });
}

function listeningPort(server: HttpServer): number | undefined {
  return (server.address() as AddressInfo | null)?.port;
}
