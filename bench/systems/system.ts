import type { DemoSchool } from "../../server/school/demo-school.ts";

/**
 * The systems the harness compares, side by side in one run. The first four run the same trivial
 * app with plain emits on different adapters; the `-durable` ones are ringcast members with their
 * whole message path (authorization, per-user log, ack, delivery from the log).
 */
export const SYSTEM_KINDS = [
  "vanilla",
  "vanilla-sharded",
  "ringcast-broadcast",
  "ringcast-hash",
  "ringcast-broadcast-durable",
  "ringcast-hash-durable",
] as const;
export type SystemKind = (typeof SYSTEM_KINDS)[number];

/** How one user connects: the member's URL and the handshake's payloads. */
export interface Connection {
  url: string;
  /** A bare WebSocket (the idle floor), not Socket.IO. */
  raw?: boolean;
  /** Reconnect after drops (through a router), resuming from the last message id seen. */
  reconnect?: boolean;
  auth: Record<string, unknown>;
  query?: Record<string, string>;
}

/** A cluster of member processes sharing one Redis. */
export interface SystemUnderTest {
  readonly kind: SystemKind;
  /** Member process ids, for CPU and memory readings. */
  readonly pids: number[];
  connection(userId: string): Connection;
  stop(): Promise<void>;
}

export interface SystemOptions {
  members: number;
  redisUrl: string;
  /** Namespace of this system's keys and channels in the shared Redis. */
  prefix: string;
  school: DemoSchool;
  /** Extra environment for every member process (e.g. the memory probe). */
  env?: Record<string, string>;
}
