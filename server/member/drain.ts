import type { AllowRequest } from "../realtime/ownership.ts";
import type { RingcastServer } from "../realtime/types.ts";
import type { InFlight } from "./in-flight.ts";

export interface DrainOptions {
  /** Sockets closed per batch; raised when the batches would not fit before the deadline. */
  batchSize: number;
  /** Pause between batches (ms). */
  intervalMs: number;
  /** When every socket must be closed (epoch ms). */
  deadline: number;
}

export interface DrainResult {
  closed: number;
  batches: number;
  /** The batch size used: the configured one, or larger to finish before the deadline. */
  batchSize: number;
}

/** Time kept after the last batch for in-flight sends and closing Redis. */
const RESERVE_MS = 1000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Closes every socket's transport in paced batches, so clients re-home gradually instead of all
 * at once. Closing the transport (no Socket.IO disconnect packet) makes a stock client reconnect
 * by itself. Before each batch, sends in flight finish (until the deadline), so their acks still
 * reach the senders.
 */
export async function closeSocketsPaced(io: RingcastServer, inFlight: InFlight, options: DrainOptions): Promise<DrainResult> {
  const sockets = [...io.of("/").sockets.values()];
  const budget = Math.max(0, options.deadline - RESERVE_MS - Date.now());
  const rounds = Math.max(1, Math.floor(budget / Math.max(1, options.intervalMs)));
  const batchSize = Math.max(options.batchSize, Math.ceil(sockets.length / rounds));
  let closed = 0;
  let batches = 0;
  for (let i = 0; i < sockets.length; i += batchSize) {
    batches++;
    if (i > 0) await sleep(options.intervalMs);
    await inFlight.settled(options.deadline - RESERVE_MS);
    for (const socket of sockets.slice(i, i + batchSize)) {
      if (!socket.connected) continue;
      socket.conn.close();
      closed++;
    }
  }
  return { closed, batches, batchSize };
}

/**
 * Engine.IO gate: once the member drains, a new session is refused (HTTP 403, which a stock
 * client retries, by then through a router that no longer lists this member); otherwise `next`
 * decides, when there is one.
 */
export function refuseWhileDraining(accepting: () => boolean, next: AllowRequest | undefined): AllowRequest {
  return (req, callback) => {
    if (!accepting()) return callback("this member is shutting down; reconnect through a router", false);
    if (next) return next(req, callback);
    callback(null, true);
  };
}
