import { createServer, type Server as HttpServer } from "node:http";
import { fileURLToPath } from "node:url";
import type { AddressInfo } from "node:net";
import { Server } from "socket.io";
import { emptyAdapterStats } from "../adapter/adapter-stats.ts";
import { createApp } from "../api/app.ts";
import { SessionGuard } from "../auth/revocations.ts";
import { clusterModeFor } from "../cluster/mode-for.ts";
import { TokenService } from "../auth/tokens.ts";
import { ReceiptCursors } from "../inbox/receipts.ts";
import { RedisInbox } from "../inbox/redis-inbox.ts";
import type { MemberConfig } from "../config/config.ts";
import type { Logger } from "../log.ts";
import { MemberLimits } from "../limits/member-limits.ts";
import { MessageService } from "../messaging/message-service.ts";
import { emptyMessageCounters, messageTotals } from "../metrics/counters.ts";
import { memberMetrics } from "../metrics/member-metrics.ts";
import { MetricsServer } from "../metrics/metrics-server.ts";
import { PresenceDirectory } from "../presence/presence-directory.ts";
import { RedisPresenceTransport } from "../presence/redis-presence-transport.ts";
import { SessionEnds } from "../realtime/session-ends.ts";
import { SessionLifetime } from "../realtime/session-lifetime.ts";
import { socketAuth } from "../realtime/socket-auth.ts";
import { InboxPump } from "../realtime/inbox-pump.ts";
import { NoticeSubscriber } from "../realtime/notice-subscriber.ts";
import { socketHandlers } from "../realtime/socket-handlers.ts";
import type { RingcastServer } from "../realtime/types.ts";
import { allReady, createRedisClient } from "../redis/connect.ts";
import { followPrimarySwitches } from "../redis/primary-switches.ts";
import { redisKeys } from "../redis/keys.ts";
import { logGroups } from "../redis/log-groups.ts";
import { RedisRegistry } from "../registry/redis-registry.ts";
import { setupStickyWorker } from "../router/sticky-worker.ts";
import { CachedSchoolReads } from "../school/cached-school-reads.ts";
import { RedisSchoolStore } from "../school/redis-school-store.ts";
import { watchDataset } from "./dataset-wiring.ts";
import { refuseWhileDraining } from "./drain.ts";
import { InFlight } from "./in-flight.ts";
import { Member } from "./member.ts";

export interface ComposeOptions {
  /** Behind the node:cluster sticky primary: do not listen, take connections over IPC. */
  stickyWorker?: boolean;
}

/** The composition root: the only place that builds a member's parts and wires them together. */
export function composeMember(config: MemberConfig, log: Logger, options: ComposeOptions = {}): Member {
  const keys = redisKeys(config.redisPrefix);
  const groups = logGroups(config.redisPrefix, config.logGroups);
  const store = createRedisClient(config.redis, "store", log);
  const watch = createRedisClient(config.redis, "watch", log, config.nodeId);
  // Leases on their own connection: a renewal never waits behind a burst of message traffic.
  const leases = createRedisClient(config.redis, "registry", log);
  // Every store operation refuses with data_lost while Redis has lost (or swapped) the dataset.
  const dataset = watchDataset({
    store,
    seedClient: leases,
    prefix: config.redisPrefix,
    groups,
    intervalMs: config.heartbeatMs,
    demoPassword: config.seedDemo ? config.demoPassword : undefined,
    log,
  });
  const school = new RedisSchoolStore(store, keys, groups);
  const tokens = new TokenService(config.tokenSecret, config.tokenTtlSeconds);
  const sessionGuard = new SessionGuard(store, keys);
  const stats = emptyAdapterStats();
  const counters = emptyMessageCounters();
  const selfUrl = (): string =>
    config.advertiseUrl ?? `http://${config.host}:${listeningPort(httpServer) ?? config.port}`;
  const registry = new RedisRegistry(
    leases,
    watch,
    keys,
    { id: config.nodeId, url: selfUrl, mode: config.mode, socketCount: () => io.engine.clientsCount, adapterStats: () => stats, messageTotals: () => messageTotals(counters) },
    { heartbeatMs: config.heartbeatMs, leaseMs: config.leaseMs },
    log,
  );
  const [pub, sub] = [createRedisClient(config.redis, "pub", log), createRedisClient(config.redis, "sub", log)];
  const mode = clusterModeFor(config, {
    pub,
    sub,
    keys,
    registry,
    tokens,
    stats,
    log,
    self: () => ({ id: config.nodeId, url: selfUrl() }),
  });
  const { bus } = mode;
  const inbox = new RedisInbox(store, groups, {
    maxLength: config.inboxMaxLength,
    maxAgeMs: config.inboxMaxAgeMs,
    waitReplicas: config.waitReplicas,
    waitTimeoutMs: config.waitReplicasMs,
  });
  const receipts = new ReceiptCursors(store, groups);
  // Who is online where, replicated in every member's memory: a send asks no Redis about it.
  const presence = new PresenceDirectory({ memberId: config.nodeId, transport: new RedisPresenceTransport(store, watch, { prefix: config.redisPrefix, log }), log });
  forgetDepartedMembers(registry, (id) => presence.forgetMember(id));
  const inFlight = new InFlight();
  let member: Member; // built last; the drain gate asks it whether it still accepts sessions
  const limits = new MemberLimits(config, store, log, (userId) => Promise.resolve(presence.socketsOf(userId) - presence.socketsOn(config.nodeId, userId)));

  const io: RingcastServer = new Server({
    adapter: bus.adapter,
    maxHttpBufferSize: config.maxSocketPayloadBytes,
    cors: config.corsOrigins.length > 0 ? { origin: config.corsOrigins } : undefined,
    serveClient: false,
    connectTimeout: config.connectTimeoutMs,
    allowRequest: refuseWhileDraining(() => member.accepting, mode.sessionGate),
  });
  // Notices on a connection of their own: it hears them in the order the appends published them.
  const noticeClient = createRedisClient(config.redis, "sub", log);
  const pump = new InboxPump(io, inbox, receipts, stats, log, {
    counters,
    followUps: () => mode.followUps(),
    // A closing member trusts no notice: it may no longer be routed to.
    noticesComplete: () => noticeSubscriber.isUp() && mode.noticesComplete() && member.accepting,
  });
  const noticeChannels = Array.from({ length: groups.count }, (_, group) => groups.keys(group).notices(mode.noticeMember));
  const noticeSubscriber = new NoticeSubscriber(noticeClient, noticeChannels, pump, log);
  const metrics = memberMetrics({
    nodeId: config.nodeId,
    mode: config.mode,
    connections: () => io.engine.clientsCount,
    counters,
    adapter: stats,
    membership: () => {
      const current = registry.current();
      return current && { epoch: current.epoch, members: current.members.length };
    },
    redis: [
      { role: "store", client: store },
      { role: "registry", client: leases },
      { role: "watch", client: watch },
    ],
    slowConsumersClosed: () => limits.slowConsumers.closed,
    peerLinksUp: mode.peerLinksUp,
    // The mode is attached and the member built below; these are read only when scraped.
    rebalance: { moved: () => attached.rebalance?.moved() ?? 0, pending: () => attached.rebalance?.pending() ?? 0 },
    draining: () => !member.accepting,
  });
  // Reused for a second: a send reads the same sender and class records many times a second.
  const sendReads = new CachedSchoolReads(school);
  const messages = new MessageService({
    school: sendReads,
    inbox,
    receipts,
    online: (userIds) => Promise.resolve(presence.onlineAmong(userIds)),
    routes: mode.routes,
    inFlight,
    counters,
    limits: limits.send,
  });
  const app = createApp({
    tokens,
    sessionGuard,
    school,
    loginLimits: limits.login,
    messages,
    registry,
    redisReady: () => allReady([store, leases, watch]) && bus.isUp(),
    datasetProblem: () => dataset.guard.problem(),
    mode: config.mode,
    nodeId: config.nodeId,
    ringShares: () => mode.ringShares(),
    locator: mode.locator,
    maxBodyBytes: config.maxBodyBytes,
    maxMessageChars: config.maxMessageChars,
    corsOrigins: config.corsOrigins,
    webRoot: fileURLToPath(new URL("../../web/dist/", import.meta.url)),
    webSourceMaps: config.webSourceMaps,
    operatorToken: config.operatorToken,
    metrics,
    counters,
    log,
  });

  // Koa must be the server's request listener before Socket.IO attaches, so Socket.IO can pass
  // every non-/socket.io/ request on to it.
  const httpServer = createServer(app.callback());
  io.attach(httpServer);
  limits.attach(io, httpServer);
  const attached = mode.attach(io, { httpServer, readSockets: (sockets) => pump.wakeSockets(sockets), distrustNotices: () => pump.lost() });
  io.use(socketAuth(tokens, sessionGuard, school, inbox, log, mode.ownership));
  io.use(limits.socketsPerUserGate());
  const session = () => ({ member: config.nodeId, mode: config.mode, epoch: registry.current()?.epoch ?? 0 });
  const wireSocket = socketHandlers({ messages, session, maxMessageChars: config.maxMessageChars, socketEvents: config.limits.socketEvents, counters, log });
  const lifetime = new SessionLifetime(tokens, sessionGuard, config.tokenNoticeSeconds * 1000, log);
  // Logouts and disabled or deleted accounts, announced on the watch connection (already a subscriber).
  const sessionEnds = new SessionEnds(io, watch, store, keys, log, (userId) => sendReads.forgetUser(userId));
  io.on("connection", (socket) => {
    if (!attached.admit(socket)) return;
    limits.watch(socket); // before wireSocket drops the handshake request
    wireSocket(socket);
    lifetime.attach(socket);
    presence.connected(socket.data.userId);
    socket.once("disconnect", () => presence.disconnected(socket.data.userId));
    pump.attach(socket); // replay from the client's lastMessageId, then live messages
  });
  if (options.stickyWorker) setupStickyWorker(io);

  member = new Member({
    httpServer,
    io,
    registry,
    bus,
    redisClients: [store, leases, watch, noticeClient],
    services: [
      // First on shutdown: every socket reads from then on, whatever notices still come.
      { start: () => undefined, close: () => pump.lost() },
      ...attached.services,
      sessionEnds,
      { start: () => undefined, close: () => void presence.close() },
      { start: () => undefined, close: () => void receipts.close() },
      { start: () => undefined, close: () => dataset.guard.close() },
      followPrimarySwitches(config.redis, [store, leases, watch, noticeClient, pub, sub], log),
      ...(config.metricsPort ? [new MetricsServer(metrics, { host: config.host, port: config.metricsPort }, log)] : []),
    ],
    inFlight,
    drain: {
      graceMs: config.drainGraceMs,
      delayMs: mode.drainDelayMs,
      batchSize: config.drainBatch,
      intervalMs: config.drainIntervalMs,
    },
    log,
    listen: options.stickyWorker ? undefined : { host: config.host, port: config.port },
    beforeRegister: async () => {
      await presence.start();
      await noticeSubscriber.start();
      await dataset.start();
    },
  });
  return member;
}

/** Tells `forget` each member that leaves the registry's membership. */
function forgetDepartedMembers(registry: RedisRegistry, forget: (memberId: string) => void): void {
  let known = new Set<string>();
  registry.onChange(({ members }) => {
    const now = new Set(members.map((m) => m.id));
    for (const id of known) if (!now.has(id)) forget(id);
    known = now;
  });
}

function listeningPort(server: HttpServer): number | undefined {
  return (server.address() as AddressInfo | null)?.port;
}
