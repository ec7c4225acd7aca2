/**
 * ringcast/adapter: the two Socket.IO adapters, for `new Server({ adapter })` with clients the
 * caller builds (as @socket.io/redis-adapter's createAdapter).
 */
export type { AdapterStats } from "./adapter-stats.ts";
export { BroadcastAdapter, type BroadcastAdapterOptions, createBroadcastAdapter } from "./broadcast-adapter.ts";
export { createHashAdapter, HashAdapter, type HashAdapterFactory, type HashAdapterOptions } from "./hash-adapter.ts";
