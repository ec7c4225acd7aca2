import cluster, { type Worker } from "node:cluster";
import type { Server } from "node:http";
import { setupMaster } from "@socket.io/sticky";
import { STICKY_SYNC, STICKY_SYNCED, type StickySyncMessage } from "./sticky-protocol.ts";

/**
 * The node:cluster primary's half of sticky routing: @socket.io/sticky passes each TCP connection
 * to the worker that owns its Engine.IO session (round-robin for new sessions). Call it before
 * forking workers.
 */
export function setupStickyPrimary(httpServer: Server): void {
  // The primary forwards the first request bytes as a Buffer over IPC; JSON serialization (the
  // default) would turn it into a plain object that the worker's HTTP parser rejects.
  cluster.setupPrimary({ serialization: "advanced" });
  // least-connection would count each session twice (see sticky-worker.ts), so round-robin.
  setupMaster(httpServer, { loadBalancingMethod: "round-robin" });
  cluster.on("message", (worker: Worker, message: unknown) => {
    if (isSync(message)) worker.send({ type: STICKY_SYNCED, seq: message.seq });
  });
}

function isSync(message: unknown): message is StickySyncMessage {
  return typeof message === "object" && message !== null && (message as { type?: unknown }).type === STICKY_SYNC;
}
