/**
 * A stock socket.io-client that stops reading: it connects (WebSocket only) to argv[2] with the
 * token argv[3], prints "connected", and at its first message blocks its thread for good, so
 * what is sent to it piles up unread in its kernel buffers. A test then kills it with SIGKILL:
 * the kernel answers the unread data with a TCP reset, as for a crashed or frozen device.
 *
 *   node --import tsx test/support/stalled-client.ts <url> <token>
 */
import { io } from "socket.io-client";

const [url, token] = process.argv.slice(2);
if (!url || !token) {
  console.error("usage: stalled-client.ts <url> <token>");
  process.exit(2);
}
const socket = io(url, { query: { token }, auth: { token }, transports: ["websocket"], reconnection: false });
socket.on("ringcast:session", () => console.log("connected"));
socket.on("connect_error", (err) => {
  console.error(`connect_error: ${err.message}`);
  process.exit(1);
});
socket.once("message", () => {
  console.log("stalled");
  // Blocks this thread without spinning a core: nothing is read from the socket again.
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);
});
