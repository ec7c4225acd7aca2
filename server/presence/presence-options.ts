import type { Logger } from "../log.ts";
import type { PresenceTransport } from "./presence-transport.ts";

export interface PresenceDirectoryOptions extends Partial<PresenceTiming> {
  /** This member's id (NODE_ID). */
  memberId: string;
  transport: PresenceTransport;
  log: Logger;
}

export interface PresenceTiming {
  /** Own changes are published at most this often, coalesced per user (default 50 ms). */
  flushMs: number;
  /** A full snapshot of own users this often: bounds staleness after any loss (default 30 s). */
  snapshotMs: number;
  /** A member not heard from for this long is dropped (default 3 snapshots). */
  silentMs: number;
  /** At most one snapshot request per member this often (default 1 s). */
  resyncMs: number;
  /** Messages of a forgotten member's run are ignored this long (default 5 s). */
  forgetMs: number;
  /** close() waits at most this long for the goodbye to be sent (default 1 s). */
  closeTimeoutMs: number;
}

export function presenceTiming(options: Partial<PresenceTiming>): PresenceTiming {
  const snapshotMs = options.snapshotMs ?? 30_000;
  return {
    flushMs: options.flushMs ?? 50,
    snapshotMs,
    silentMs: options.silentMs ?? 3 * snapshotMs,
    resyncMs: options.resyncMs ?? 1000,
    forgetMs: options.forgetMs ?? 5000,
    closeTimeoutMs: options.closeTimeoutMs ?? 1000,
  };
}

export type PresenceStatus = "idle" | "running" | "closed";

export interface PresenceStats {
  status: PresenceStatus;
  /** Other members whose state is held. */
  members: number;
  /** Users with a socket somewhere / on this member. */
  users: number;
  localUsers: number;
  published: number;
  received: number;
  /** Inbound messages that could not be decoded. */
  dropped: number;
  /** Sequence gaps seen (each one asks for a snapshot). */
  gaps: number;
}
