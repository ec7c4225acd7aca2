import type { Server as HttpServer } from "node:http";
import type { Server } from "socket.io";
import { Adapter } from "socket.io-adapter";
import type { AdapterStats } from "../adapter/adapter-stats.ts";
import type { PeerLinks } from "../bus/peer-links.ts";
import type { Logger } from "../log.ts";
import type { Registry } from "../registry/registry.ts";
import type { RingView } from "../ring/ring-view.ts";
import { type ClusterConnections, closeAll, connectAll } from "./cluster-connections.ts";
import { RingEvents, type RingState, ringState } from "./cluster-events.ts";
import type { SocketMover } from "./socket-mover.ts";

export type MemberStatus = "starting" | "running" | "closing" | "closed";

/** What joinCluster built, for the member to start and close in order. */
export interface ClusterMemberParts {
  id: string;
  mode: "hash" | "broadcast";
  io: Server;
  /** Where peer links are accepted (hash mode with a secret); undefined otherwise. */
  peerServer: HttpServer | undefined;
  /** Resolves with the URL the member registers, once it can be known (the server listens). */
  url: () => Promise<string>;
  registry: Registry;
  ring: RingView;
  peers: PeerLinks | undefined;
  mover: SocketMover | undefined;
  connections: ClusterConnections;
  stats: AdapterStats;
  log: Logger;
}

/**
 * A Socket.IO server taking part in a ringcast cluster (what `joinCluster` resolves with). Emits
 * `+member`, `-member` and `ring` as the member set changes. Start order: Redis, the HTTP server's
 * address, peer links, socket moving, then the registry lease (others route here from then on).
 * Close order: socket moving and peer links, the lease (others stop routing here), `io.close()`,
 * then Redis: so `io.close()` never waits on a peer link, and nothing is published after QUIT.
 */
export class ClusterMember extends RingEvents {
  status: MemberStatus = "starting";
  private closing: Promise<void> | undefined;
  private registeredUrl = "";

  constructor(private readonly parts: ClusterMemberParts) {
    super(parts.log);
    this.follow(parts.registry);
  }

  /** This member's id: its place on the ring. */
  get id(): string {
    return this.parts.id;
  }

  get mode(): "hash" | "broadcast" {
    return this.parts.mode;
  }

  /** The URL this member registered (where routers send its users and peers link to it). */
  get url(): string {
    return this.registeredUrl;
  }

  /** The member set as last read from the registry. */
  get ring(): RingState {
    return ringState(this.parts.registry.current());
  }

  /** The member that owns `key` (a user id) on the ring, or undefined while the ring is empty. */
  ownerOf(key: string): { id: string; url: string } | undefined {
    return this.parts.ring.ownerUrl(key);
  }

  /** The members this one has an open peer link to (hash mode with a secret). */
  linkedPeers(): string[] {
    const { peers, ring, id } = this.parts;
    return peers ? ring.current.members.filter((other) => other !== id && peers.isLinked(other)) : [];
  }

  /** The adapter's traffic counters (what it published, received, delivered to a local socket). */
  get stats(): Readonly<AdapterStats> {
    return { ...this.parts.stats };
  }

  /** Sockets closed to move them to their owner (hash mode). */
  get moved(): number {
    return this.parts.mover?.moved ?? 0;
  }

  async start(): Promise<void> {
    const { connections, registry, peers, peerServer, mover } = this.parts;
    try {
      await connectAll(connections);
      this.registeredUrl = await this.parts.url();
      this.ensureOpen();
      if (peers && peerServer) peers.start(peerServer);
      mover?.start();
      await registry.start();
      this.ensureOpen();
      this.status = "running";
    } catch (err) {
      await this.leave();
      await closeAll(connections);
      this.status = "closed";
      throw err;
    }
  }

  /** Leaves the cluster and closes the Socket.IO server (`io.close()`) and the member's Redis connections. */
  close(): Promise<void> {
    this.closing ??= this.shutdown(true);
    return this.closing;
  }

  /**
   * Called when `io.close()` closes the adapters (see close-signal.ts): leave the cluster before
   * Socket.IO closes the HTTP server. When the member itself is closing, `io.close()` is its own call.
   */
  ioClosing(): Promise<void> {
    if (this.closing) return Promise.resolve();
    this.closing = this.shutdown(false);
    return this.closing;
  }

  private async shutdown(closeIo: boolean): Promise<void> {
    this.status = "closing";
    await this.leave();
    if (closeIo) await this.parts.io.close();
    // The closed cluster adapters give way to in-memory ones: a later io.close() closes those, not
    // an adapter whose Redis connection has quit (its unsubscribe would reject unhandled).
    this.parts.io.adapter(Adapter);
    await closeAll(this.parts.connections);
    this.status = "closed";
    this.removeAllListeners();
  }

  /** No more moves or links; the lease dropped at once, so the others' rings forget this member. */
  private async leave(): Promise<void> {
    this.parts.mover?.close();
    this.parts.peers?.close();
    await this.parts.registry.close();
  }

  private ensureOpen(): void {
    if (this.closing) throw new Error("the member was closed while joining the cluster");
  }
}
