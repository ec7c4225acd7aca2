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
}

export type RegistryStatus = "idle" | "running" | "closed";

export interface Registry {
  readonly status: RegistryStatus;
  /** Registers this member and starts heartbeating. */
  start(): Promise<void>;
  /** Members whose lease is current, sorted by id. Throws UnavailableError when the backend is away. */
  members(): Promise<MemberInfo[]>;
  /** Stops heartbeating and deregisters at once (best effort). */
  close(): Promise<void>;
}
