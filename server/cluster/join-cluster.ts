import { isCluster, type RedisClient } from "../redis/connect.ts";
import { randomBytes } from "node:crypto";
import { Server as HttpServer } from "node:http";
import type { AddressInfo } from "node:net";
import { pino } from "pino";
import type { Namespace, Server, Socket } from "socket.io";
import type { Adapter } from "socket.io-adapter";
import { emptyAdapterStats } from "../adapter/adapter-stats.ts";
import { createBroadcastAdapter } from "../adapter/broadcast-adapter.ts";
import { userRoomKey } from "../adapter/room-owners.ts";
import type { Logger } from "../log.ts";
import { redisKeys, slotPrefix } from "../redis/keys.ts";
import { RedisRegistry } from "../registry/redis-registry.ts";
import { DEFAULT_VIRTUAL_NODES } from "../ring/hash-ring.ts";
import { RingView } from "../ring/ring-view.ts";
import { openConnections } from "./cluster-connections.ts";
import { ClusterMember } from "./cluster-member.ts";
import { hashTransport } from "./hash-transport.ts";
import { CLOSE_SIGNAL_NAMESPACE, CloseSignal, refuseClients } from "./close-signal.ts";
import { SocketMover } from "./socket-mover.ts";

/** Options of `joinCluster(io, options)`; only `redis` is required. */
export interface JoinClusterOptions {
  /** An ioredis client (duplicated for the 4 connections the member needs; never used or closed itself) or a Redis URL. */
  redis: RedisClient | string;
  /** "hash": an emit to a user's room goes to its owner only; "broadcast": every emit to every member. Default "hash". */
  mode?: "hash" | "broadcast";
  /** This member's id, unique in the cluster (no spaces). Default: "member-" and 8 random hex digits. */
  id?: string;
  /** The URL other members and routers reach this member at. Default: from the HTTP server's address (127.0.0.1 when it listens on every interface). */
  url?: string;
  /** The HTTP server Socket.IO is attached to. Default `io.httpServer`. */
  httpServer?: HttpServer;
  /** Hash mode: a secret shared by all members turns on direct member-to-member links (WebSockets on the members' own port). Default: none, everything through Redis. */
  secret?: string;
  /** Prefix of every Redis key and channel; clusters sharing a Redis need distinct ones. Default "ringcast". */
  prefix?: string;
  /** How often the member renews its lease (ms). Default 2000. */
  heartbeatMs?: number;
  /** How long a silent member stays in the ring (ms); must exceed heartbeatMs. Default 6000. */
  leaseMs?: number;
  /** Virtual nodes per member on the ring; every member and router must agree. Default 1024. */
  virtualNodes?: number;
  /** Hash mode: a socket's routing key (its user id), or undefined for a socket any member may hold. Default: `handshake.auth.userId`, else `handshake.query.userId`. */
  userIdOf?: (socket: Socket) => string | undefined;
  /** Hash mode: the routing key of a room, or undefined for rooms emitted to every member. Default: "user:<id>" -> "<id>". */
  routingKeyOf?: (room: string) => string | undefined;
  /** Hash mode: refuse a handshake whose user another member owns (`connect_error` with `err.data.owner`). Default true. */
  ownerOnly?: boolean;
  /** Hash mode: after a ring change, sockets closed per step and the mean pause between steps (ms). Default 50 and 100. */
  rebalance?: { batchSize?: number; intervalMs?: number };
  /** How long cluster-wide requests (fetchSockets, serverSideEmit with an ack, allRooms) wait for answers (ms). Default 5000. */
  requestsTimeout?: number;
  /** A pino logger. Default: silent. */
  log?: Logger;
}

const JOIN_TIMEOUT_MS = 10_000;

/**
 * Turns a Socket.IO server into a member of a ringcast cluster: sets its adapter, registers it in
 * the Redis registry (lease + heartbeat), follows the ring, opens peer links and moves sockets
 * whose owner changed (hash mode). Call it right after `listen()`, before clients connect: the
 * adapter replaces the in-memory one, rooms included. Resolves once the member is registered.
 */
export async function joinCluster(io: Server, options: JoinClusterOptions): Promise<ClusterMember> {
  const mode = options.mode ?? "hash";
  const id = options.id ?? `member-${randomBytes(4).toString("hex")}`;
  if (/\s/.test(id) || id === "") throw new Error(`joinCluster: invalid member id "${id}"`);
  const log = options.log ?? pino({ level: "silent" });
  const keys = redisKeys(slotPrefix(options.prefix ?? "ringcast", typeof options.redis !== "string" && isCluster(options.redis)));
  const httpServer = options.httpServer ?? (io.httpServer instanceof HttpServer ? io.httpServer : undefined);
  if (!options.url && !httpServer) throw new Error("joinCluster: give `url`, or attach io to an http.Server first");
  const peerServer = mode === "hash" && options.secret ? httpServer : undefined;
  if (mode === "hash" && options.secret && !peerServer) throw new Error("joinCluster: peer links need the http.Server io is attached to (`httpServer`)");

  const connections = openConnections(options.redis, id, log);
  const stats = emptyAdapterStats();
  const registry = new RedisRegistry(
    connections.registry,
    connections.watch,
    keys,
    { id, url: () => member.url, mode, socketCount: () => io.engine.clientsCount, adapterStats: () => stats },
    { heartbeatMs: options.heartbeatMs ?? 2000, leaseMs: options.leaseMs ?? 6000 },
    log,
  );
  const key = keys.adapterKey;
  const requestsTimeout = options.requestsTimeout ?? 5000;
  const virtualNodes = options.virtualNodes ?? DEFAULT_VIRTUAL_NODES;
  const { pub, sub } = connections;
  // Hash mode is built on the same transport as the product's members (ring, peer links, adapter).
  const transport =
    mode === "hash"
      ? hashTransport({ memberId: id, registry, virtualNodes, pub, sub, key, stats, log, peerSecret: peerServer ? options.secret : undefined, routingKeyOf: options.routingKeyOf ?? userRoomKey, requestsTimeout })
      : undefined;
  const ring = transport?.ring ?? new RingView(registry, virtualNodes);
  const peers = transport?.peers;
  const adapter = transport?.adapter ?? createBroadcastAdapter(pub, sub, { key, requestsTimeout, stats });
  const mover = mode === "hash" ? moverFor(io, ring, id, options, log) : undefined;
  const member: ClusterMember = new ClusterMember({
    id,
    mode,
    io,
    peerServer,
    url: () => (options.url ? Promise.resolve(options.url) : listeningUrl(httpServer!)),
    registry,
    ring,
    peers,
    mover,
    connections,
    stats,
    log,
  });
  // A plain function: Socket.IO calls the adapter option with `new`, which arrow functions refuse.
  io.adapter(function ringcastAdapter(nsp: Namespace): Adapter {
    return nsp.name === CLOSE_SIGNAL_NAMESPACE ? new CloseSignal(nsp, () => member.ioClosing()) : adapter(nsp);
  });
  refuseClients(io.of(CLOSE_SIGNAL_NAMESPACE));
  await member.start();
  return member;
}

function moverFor(io: Server, ring: RingView, selfId: string, options: JoinClusterOptions, log: Logger): SocketMover {
  const mover = new SocketMover(io, ring, {
    selfId,
    keyOf: options.userIdOf ?? defaultUserIdOf,
    ownerOnly: options.ownerOnly ?? true,
    batchSize: options.rebalance?.batchSize ?? 50,
    intervalMs: options.rebalance?.intervalMs ?? 100,
    log,
  });
  io.use(mover.admission);
  io.on("connection", (socket) => mover.recheck(socket));
  return mover;
}

/** `handshake.auth.userId`, else `handshake.query.userId`: a routing key, not an identity (authenticate before trusting it). */
function defaultUserIdOf(socket: Socket): string | undefined {
  const value: unknown = socket.handshake.auth.userId ?? socket.handshake.query.userId;
  return typeof value === "string" && value !== "" ? value : undefined;
}

/** The server's URL once it listens (loopback for a wildcard address: set `url` across hosts). */
function listeningUrl(server: HttpServer): Promise<string> {
  const url = (): string => {
    const { address, port } = server.address() as AddressInfo;
    const host = address === "::" || address === "0.0.0.0" ? "127.0.0.1" : address.includes(":") ? `[${address}]` : address;
    return `http://${host}:${port}`;
  };
  if (server.listening) return Promise.resolve(url());
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      server.off("listening", onListening);
      reject(new Error(`joinCluster: the HTTP server did not listen within ${JOIN_TIMEOUT_MS} ms (or give \`url\`)`));
    }, JOIN_TIMEOUT_MS);
    const onListening = (): void => {
      clearTimeout(timer);
      resolve(url());
    };
    server.once("listening", onListening);
  });
}
