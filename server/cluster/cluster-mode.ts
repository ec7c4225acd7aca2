import type { RedisClient } from "../redis/connect.ts";
import type { Server as HttpServer } from "node:http";
import type { AdapterStats } from "../adapter/adapter-stats.ts";
import type { TokenService } from "../auth/tokens.ts";
import type { Logger } from "../log.ts";
import type { RedisKeys } from "../redis/keys.ts";
import type { Registry } from "../registry/registry.ts";
import type { Bus } from "../bus/bus.ts";
import type { NoticeRouter } from "../realtime/notice-routes.ts";
import type { AllowRequest } from "../realtime/ownership.ts";
import type { OwnershipCheck } from "../realtime/socket-auth.ts";
import type { RingcastServer, RingcastSocket } from "../realtime/types.ts";
import type { MemberLocator } from "../ring/member-locator.ts";

/** What every mode is built from: connections given (never built here) and shared parts. */
export interface ModeParts {
  /** The adapter's publishing and subscribing connections. */
  pub: RedisClient;
  sub: RedisClient;
  keys: RedisKeys;
  registry: Registry;
  /** Checks the token of a new session, to send it to its owner (hash mode). */
  tokens: TokenService;
  stats: AdapterStats;
  log: Logger;
  /** This member, as GET /api/route names it in broadcast mode. */
  self: () => { id: string; url: string };
}

/** Something with a lifecycle that the member starts after its connections and closes first. */
export interface Service {
  start(): void;
  close(): void;
}

/** What a mode needs from the member once the Socket.IO server exists. */
export interface ModeAttachment {
  /** The member's HTTP server (peer links take their upgrades on it). */
  httpServer: HttpServer;
  /** Reads these sockets' logs again (the member's inbox pump). */
  readSockets(sockets: Iterable<RingcastSocket>): void;
  /** Every local socket must read its logs before it trusts notices again. */
  distrustNotices(): void;
}

/** What a mode adds once attached: its services, its admission check, its metrics. */
export interface AttachedMode {
  services: Service[];
  /** Whether a socket whose handshake just completed may stay on this member. */
  admit(socket: RingcastSocket): boolean;
  /** Rebalancing counters (hash mode). */
  rebalance?: { moved: () => number; pending: () => number };
}

/**
 * Everything that differs between broadcast and hash mode, behind one interface: the composition
 * root asks it and has no mode branches of its own.
 */
export interface ClusterMode {
  readonly name: "broadcast" | "hash";
  /** How members reach each other, with the Socket.IO adapter riding on it. */
  readonly bus: Bus;
  /** Whose notice channels this member hears (one per log group): its own id, or "" for everyone's. */
  readonly noticeMember: string;
  /** Where the notices of a message go, given its recipients. */
  readonly routes: NoticeRouter;
  /** Where a user's connection should go (GET /api/route). */
  readonly locator: MemberLocator;
  /** Engine.IO gate for a new session, or undefined to take everyone. */
  readonly sessionGate: AllowRequest | undefined;
  /** Handshake check for a client whose token is only in `auth`, or undefined. */
  readonly ownership: OwnershipCheck | undefined;
  /** Pause before a draining member closes its sockets (ms): time for routers to see it leave. */
  readonly drainDelayMs: number;
  /** True while every notice for this member's users reaches it (no recent ring change). */
  noticesComplete(): boolean;
  /** Extra reads for a socket connecting now (ms after it connects). */
  followUps(): number[];
  /** The ring's share per member (hash mode), for the cluster view. */
  ringShares(): Map<string, number> | undefined;
  /** Live peer links (hash mode with peer links), for metrics. */
  peerLinksUp: (() => number) | undefined;
  attach(io: RingcastServer, member: ModeAttachment): AttachedMode;
}
