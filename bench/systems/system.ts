import type { DemoSchool } from "../../server/school/demo-school.ts";

/**
 * The systems the harness compares, side by side in one run. The first four run the same trivial
 * app with plain emits on different adapters; the `-durable` ones are ringcast members with their
 * whole message path (authorization, message log, ack, delivery); `-gateway`: the same, with every
 * client connected through a gateway, as a stock client connects.
 */
export const SYSTEM_KINDS = [
  "vanilla",
  "vanilla-sharded",
  "ringcast-broadcast",
  "ringcast-hash",
  "ringcast-broadcast-durable",
  "ringcast-hash-durable",
  "ringcast-hash-durable-gateway",
] as const;
export type SystemKind = (typeof SYSTEM_KINDS)[number];

/** Systems that store every message (their logs can be prefilled). */
export const isDurable = (kind: SystemKind): boolean => kind.includes("-durable");

/** How one user connects: the member's URL and the handshake's payloads. */
export interface Connection {
  url: string;
  /** A bare WebSocket (the idle floor), not Socket.IO. */
  raw?: boolean;
  /** Reconnect after drops (through a router), resuming from the last message id seen. */
  reconnect?: boolean;
  auth: Record<string, unknown>;
  query?: Record<string, string>;
  /** Where this user posts over REST (`POST /api/messages`) and its bearer token. */
  rest?: { url: string; token: string };
}

/** A cluster of member processes sharing one Redis. */
export interface SystemUnderTest {
  readonly kind: SystemKind;
  /** Process ids whose CPU is the system's: its members, and its gateway if it has one. */
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
