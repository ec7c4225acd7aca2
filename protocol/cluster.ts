/** The cluster as the API shows it: GET /api/cluster (operators) and GET /api/route. */

/** How members share the sockets: every member hears every broadcast, or a hash ring assigns users. */
export type Mode = "broadcast" | "hash";

export interface ClusterMember {
  id: string;
  url: string;
  mode: Mode;
  sockets: number;
  startedAt: string;
  lastHeartbeatAt: string;
  /** Broadcasts received from other members, how many reached a local socket, how many published. */
  adapter?: { received: number; deliveredLocally: number; published: number };
  /** Share of the hash ring (hash mode). */
  ringShare?: number;
  /** Messages the member accepted and delivered, and refusals by error code, since it started (as of its heartbeat). */
  messages?: { sent: number; delivered: number; refused: Record<string, number> };
}

/** GET /api/cluster. */
export interface ClusterView {
  mode: Mode;
  /** Membership epoch (in hash mode, the ring's): bumped by every membership change. */
  epoch: number;
  self: string;
  members: ClusterMember[];
  totalSockets: number;
}

/** GET /api/route: which member serves the caller (for deployments without a gateway). */
export interface Route {
  userId: string;
  mode: Mode;
  /** Hash mode: the ring epoch of this answer (broadcast mode has no ring). */
  epoch?: number;
  member: { id: string; url: string };
}
