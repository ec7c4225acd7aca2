import type { Adapter } from "socket.io-adapter";
import type { Namespace } from "socket.io";

/** Builds the Socket.IO adapter of each namespace (what `new Server({ adapter })` takes). */
export type AdapterFactory = (nsp: Namespace) => Adapter;

/**
 * How members reach each other: the Socket.IO adapter rides on it. Redis pub/sub today; a
 * single-host node:cluster IPC bus can implement the same interface.
 */
export interface Bus {
  readonly adapter: AdapterFactory;
  /** Connects; resolves once the bus carries messages. */
  start(): Promise<void>;
  /** True while messages flow between members. */
  isUp(): boolean;
  /**
   * Calls `listener` each time the bus comes back after an outage: whatever was published while
   * it was away is lost, so listeners catch up from durable state.
   */
  onRestored(listener: () => void): void;
  close(): Promise<void>;
}
