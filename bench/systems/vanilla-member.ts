/**
 * The baseline: stock socket.io with @socket.io/redis-adapter, as its docs set it up. Classic
 * (`createAdapter`, every member hears every broadcast) or sharded (`createShardedAdapter` with
 * `subscriptionMode: "dynamic"`, a channel per room). No auth: the handshake names the user and
 * classes, and a send is one `io.to(room).emit` (a plain emit: nothing stored). Logs
 * {"msg":"vanilla ready","port":N} when listening.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { createAdapter, createShardedAdapter } from "@socket.io/redis-adapter";
import { Redis } from "ioredis";
import { Server } from "socket.io";

interface SendRequest {
  to: { user?: string; class?: string };
  body: string;
}

const pub = new Redis(process.env.REDIS_URL ?? "redis://127.0.0.1:6379");
const sub = pub.duplicate();
const key = process.env.BENCH_KEY ?? "bench";
const adapter =
  process.env.BENCH_ADAPTER === "sharded"
    ? createShardedAdapter(pub, sub, { channelPrefix: key, subscriptionMode: "dynamic" })
    : createAdapter(pub, sub, { key });
const httpServer = createServer();
const io = new Server(httpServer, { adapter, serveClient: false });
let sequence = 0;

io.on("connection", (socket) => {
  const { userId, classIds } = socket.handshake.auth as { userId: string; classIds?: string[] };
  socket.join([`user:${userId}`, ...(classIds ?? []).map((id) => `class:${id}`)]);
  socket.on("message:send", (request: SendRequest, ack: (answer: object) => void) => {
    const room = request.to.user ? `user:${request.to.user}` : `class:${request.to.class}`;
    const id = `${process.pid}-${++sequence}`;
    io.to(room).emit("message", { id, from: { id: userId }, to: request.to, body: request.body });
    ack({ ok: true, id });
  });
});

process.on("SIGTERM", () => {
  io.close();
  pub.disconnect();
  sub.disconnect();
  process.exit(0);
});

httpServer.listen(Number(process.env.PORT ?? 0), "127.0.0.1", () => {
  const { port } = httpServer.address() as AddressInfo;
  console.log(JSON.stringify({ msg: "vanilla ready", port }));
});
