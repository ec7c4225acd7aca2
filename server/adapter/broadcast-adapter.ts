import { createAdapter } from "@socket.io/redis-adapter";
import type { Redis } from "ioredis";

/** Options of the broadcast-mode adapter. */
export interface BroadcastAdapterOptions {
  /** Prefix of the Redis channels; clusters sharing a Redis need distinct keys. Default "ringcast:io". */
  key?: string;
  /** How long cluster-wide requests (fetchSockets, serverSideEmit acks) wait for answers (ms). Default 5000. */
  requestsTimeout?: number;
}

/**
 * Broadcast mode: every emit is published once on Redis and every member checks its local rooms
 * (@socket.io/redis-adapter). Takes its clients instead of building them; `sub` must be a
 * dedicated connection.
 */
export function createBroadcastAdapter(pub: Redis, sub: Redis, options: BroadcastAdapterOptions = {}) {
  return createAdapter(pub, sub, {
    key: options.key ?? "ringcast:io",
    requestsTimeout: options.requestsTimeout ?? 5000,
  });
}
