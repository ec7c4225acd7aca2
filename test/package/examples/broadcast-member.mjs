// The same chat server in broadcast mode, with ringcast's adapter alone (as @socket.io/redis-adapter).
import { createServer } from "node:http";
import { Redis } from "ioredis";
import { createBroadcastAdapter } from "ringcast/adapter";
import { Server } from "socket.io";

const pub = new Redis(process.env.REDIS_URL ?? "redis://127.0.0.1:6379");
const sub = pub.duplicate(); // a subscriber needs a connection of its own
const httpServer = createServer();
const io = new Server(httpServer, { adapter: createBroadcastAdapter(pub, sub, { requestsTimeout: 2000 }) });
io.on("connection", (socket) => {
  const me = socket.handshake.auth.userId;
  socket.join(`user:${me}`); // every member hears every emit and checks its own rooms
  socket.on("dm", (to, text) => io.to(`user:${to}`).emit("dm", { from: me, text }));
});
httpServer.listen(Number(process.env.PORT ?? 3000), () => console.log(`listening on ${httpServer.address().port}`));
process.on("SIGTERM", async () => {
  await io.close();
  await Promise.all([pub.quit(), sub.quit()]);
  console.log("closed");
});
