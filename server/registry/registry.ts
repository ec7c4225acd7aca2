import type { AdapterStats } from "../adapter/adapter-stats.ts";

/** Which members are alive. A member renews a lease by heartbeat; a silent member drops out. */
export interface MemberInfo {
  /** Stable id (NODE_ID), not Socket.IO's random adapter uid. */
  id: string;
  /** Address routers and operators use to reach the member. */
  url: string;
  mode: "broadcast" | "hash";
  /** Sockets connected to the member at its last heartbeat. */
  sockets: number;
  startedAt: string;
  lastHeartbeatAt: string;
  /** Adapter counters at the last heartbeat (see adapter/adapter-stats.ts). */
  adapter?: AdapterStats;
  /** Message counters at the last heartbeat, since the member started: what operators chart as rates. */
  messages?: MessageTotals;
}

/** Totals of the message path (see metrics/counters.ts), as a heartbeat carries them. */
export interface MessageTotals {
  sent: number;
  delivered: number;
  /** Refusals by error code. */
  refused: Record<string, number>;
}

/** The member set at one epoch. Every change of the set bumps the epoch. */
export interface Membership {
  epoch: number;
  /** Sorted by id. */
  members: MemberInfo[];
}

export type RegistryStatus = "idle" | "running" | "closed";

/** Follows the membership without taking part (routers, gateways). */
export interface MembershipWatcher {
  /** Reads the current membership. Throws UnavailableError when the backend is away. */
  read(): Promise<Membership>;
  /** The last membership seen (kept current by announcements and periodic reloads). */
  current(): Membership | undefined;
  /** Calls `listener` with each new membership; returns an unsubscribe function. */
  onChange(listener: (membership: Membership) => void): () => void;
}

/** A member's view: it holds a lease itself and follows everyone else's. */
export interface Registry extends MembershipWatcher {
  readonly status: RegistryStatus;
  /** Registers this member, starts heartbeating and watching for changes. */
  start(): Promise<void>;
  /** Stops heartbeating and deregisters at once (best effort). */
  close(): Promise<void>;
}
