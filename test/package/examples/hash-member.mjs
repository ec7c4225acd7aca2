// A chat server as a hash-mode member: run it twice (PORT=3001, PORT=3002) against one Redis.
import { createServer } from "node:http";
import { joinCluster } from "ringcast/cluster";
import { Server } from "socket.io";

const httpServer = createServer();
const io = new Server(httpServer);
io.on("connection", (socket) => {
  const me = socket.handshake.auth.userId;
  socket.join(`user:${me}`); // a user's room: its emits go to the member that owns the user
  socket.on("dm", (to, text) => io.to(`user:${to}`).emit("dm", { from: me, text }));
});
httpServer.listen(Number(process.env.PORT ?? 3000));
const member = await joinCluster(io, {
  redis: process.env.REDIS_URL ?? "redis://127.0.0.1:6379",
  mode: "hash",
  id: process.env.MEMBER_ID, // default: a random id
  secret: process.env.CLUSTER_SECRET, // the same on every member: direct member-to-member links
});
console.log(`member ${member.id} at ${member.url}`);
member.on("ring", ({ epoch, members }) => console.log(`ring ${epoch}: ${members.map((m) => m.id).join(" ")}`));
process.on("SIGTERM", async () => {
  await io.close(); // leaves the cluster first (peer links, lease, Redis): never hangs
  console.log("closed");
});
