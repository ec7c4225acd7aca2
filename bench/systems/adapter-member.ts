/**
 * One member of an adapter-level system under test: the same trivial app (the handshake names the
 * user and classes; a send is one `io.to(...).emit`, a plain emit: nothing stored, no
 * authorization) on one of four adapters, so the adapters are compared and nothing else:
 * - classic: @socket.io/redis-adapter `createAdapter` (every member hears every emit);
 * - sharded: `createShardedAdapter`, `subscriptionMode: "dynamic"` (a channel per room);
 * - ringcast-broadcast: ringcast's broadcast adapter (classic underneath, with counters);
 * - ringcast-hash: a member made by the library's joinCluster (hash adapter, registry, ring, peer
 *   links): a message to a personal room goes to its owner only, over its direct link (none for a
 *   local recipient); a class room has no owner and is published once to every member.
 * Every adapter also answers `POST /api/messages` (plain-rest.ts) with the same one emit.
 * Logs {"msg":"bench member ready","port":N} when listening and registered.
 */
import { createServer, type RequestListener } from "node:http";
import type { AddressInfo } from "node:net";
import { createAdapter, createShardedAdapter } from "@socket.io/redis-adapter";
import { Redis } from "ioredis";
import { Server, type ServerOptions } from "socket.io";
import { createBroadcastAdapter } from "../../server/adapter/broadcast-adapter.ts";
import type { ClusterMember } from "../../server/cluster/cluster-member.ts";
import { joinCluster } from "../../server/cluster/join-cluster.ts";
import { createLogger } from "../../server/log.ts";
import { plainRestApp } from "./plain-rest.ts";

interface SendRequest {
  to: { user?: string; class?: string };
  body: string;
}

const redisUrl = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
const prefix = process.env.BENCH_KEY ?? "bench";
const kind = process.env.BENCH_ADAPTER ?? "classic";
const memberId = process.env.NODE_ID ?? `bench-${process.pid}`;
const pub = new Redis(redisUrl);
const sub = pub.duplicate();
const log = createLogger("warn");
// REST goes to the Koa app once io exists (below); Socket.IO, attached after, answers /socket.io/ itself.
let handleRest: RequestListener = (_req, res) => void res.writeHead(503).end();
const httpServer = createServer((req, res) => handleRest(req, res));
let member: ClusterMember | undefined;
let io: Server;

function adapterFor(): ServerOptions["adapter"] | undefined {
  const key = `${prefix}:io`;
  if (kind === "sharded") return createShardedAdapter(pub, sub, { channelPrefix: key, subscriptionMode: "dynamic" });
  if (kind === "ringcast-broadcast") return createBroadcastAdapter(pub, sub, { key });
  // ringcast-hash joins with joinCluster once listening (below): the library's one-call member.
  if (kind === "ringcast-hash") return undefined;
  return createAdapter(pub, sub, { key });
}

/** Where a send goes: a personal room or a class room. */
function roomsOf(to: SendRequest["to"]): string[] {
  return to.user ? [`user:${to.user}`] : [`class:${to.class}`];
}

const adapter = adapterFor();
io = new Server(httpServer, adapter ? { adapter, serveClient: false } : { serveClient: false });
let sequence = 0;
const nextId = (): string => `${process.pid}-${++sequence}`;
handleRest = plainRestApp(io, nextId).callback();
io.on("connection", (socket) => {
  const { userId, classIds } = socket.handshake.auth as { userId: string; classIds?: string[] };
  socket.join([`user:${userId}`, ...(classIds ?? []).map((id) => `class:${id}`)]);
  socket.on("message:send", (request: SendRequest, ack: (answer: object) => void) => {
    const id = nextId();
    io.to(roomsOf(request.to)).emit("message", { id, from: { id: userId }, body: request.body });
    ack({ ok: true, id });
  });
});

process.on("SIGTERM", async () => {
  await member?.close();
  io.close();
  pub.disconnect();
  sub.disconnect();
  process.exit(0);
});

httpServer.listen(Number(process.env.PORT ?? 0), "127.0.0.1", async () => {
  if (kind === "ringcast-hash") {
    // BENCH_PEER_LINKS=false measures the hash adapter on Redis alone.
    const secret = process.env.BENCH_PEER_LINKS === "false" ? undefined : `${prefix}-bench-only-secret-0123456789`;
    member = await joinCluster(io, { redis: redisUrl, mode: "hash", id: memberId, prefix, httpServer, secret, log });
  }
  console.log(JSON.stringify({ msg: "bench member ready", port: (httpServer.address() as AddressInfo).port }));
});
