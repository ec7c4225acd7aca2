import type { DemoSchool } from "../../server/school/demo-school.ts";

/** The systems the harness compares, side by side in one run. */
export const SYSTEM_KINDS = ["vanilla", "vanilla-sharded", "ringcast-broadcast", "ringcast-hash"] as const;
export type SystemKind = (typeof SYSTEM_KINDS)[number];

/** How one user connects: the member's URL and the handshake's payloads. */
export interface Connection {
  url: string;
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
}
