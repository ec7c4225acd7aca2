/**
 * The floor for idle connections: a bare `ws` WebSocket server that keeps connections open and
 * does nothing else. Logs {"msg":"bench member ready","port":N} when listening.
 */
import { WebSocketServer } from "ws";

const server = new WebSocketServer({ host: "127.0.0.1", port: Number(process.env.PORT ?? 0) });
server.on("connection", (socket) => socket.on("error", () => undefined));
server.on("listening", () => {
  const address = server.address();
  console.log(JSON.stringify({ msg: "bench member ready", port: typeof address === "object" && address ? address.port : 0 }));
});
process.on("SIGTERM", () => server.close(() => process.exit(0)));
