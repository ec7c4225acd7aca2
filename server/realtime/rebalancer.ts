import type { Logger } from "../log.ts";
import type { Handoff, Movement } from "../cluster/handoff.ts";
import { PacedCloser } from "./paced-closer.ts";
import type { RingcastSocket, RingcastServer } from "./types.ts";

export interface RebalancerOptions {
  selfId: string;
  /** "moved": close sockets whose user now belongs elsewhere; "all": close every socket on a join. */
  strategy: "moved" | "all";
  batchSize: number;
  /** Mean pause between batches (ms), jittered ±50% so a join does not become a reconnect storm. */
  intervalMs: number;
  log: Logger;
}

/**
 * Moves users to their new owner after a ring change by closing their transport (no Socket.IO
 * disconnect packet), so a stock client reconnects by itself, through a router, to the owner.
 */
export class Rebalancer {
  private readonly closer: PacedCloser<RingcastSocket>;
  private unsubscribe: (() => void) | undefined;

  /** Sockets closed so far, for visibility. */
  get closedTotal(): number {
    return this.closer.closed;
  }

  /** Sockets still to be moved by the rebalance under way. */
  get pending(): number {
    return this.closer.pending;
  }

  constructor(
    private readonly io: RingcastServer,
    private readonly handoff: Pick<Handoff, "onMovement" | "owner">,
    private readonly options: RebalancerOptions,
  ) {
    this.closer = new PacedCloser({ batchSize: options.batchSize, intervalMs: options.intervalMs });
  }

  start(): void {
    this.unsubscribe = this.handoff.onMovement((movement) => this.onRingChange(movement));
  }

  /**
   * Checks a socket as its handshake completes. The handshake is asynchronous: if the ring changed
   * while it ran, the change was handled before this socket was listed, so it would stay on a
   * member that no longer owns its user, out of reach of targeted delivery. Closes it so the client
   * reconnects to the owner; returns whether it may stay.
   */
  admit(socket: RingcastSocket): boolean {
    const owner = this.handoff.owner(socket.data.userId);
    if (owner === undefined || owner === this.options.selfId) return true;
    this.options.log.debug({ userId: socket.data.userId, owner }, "ring changed during the handshake; moving the user");
    this.closer.closeNow(socket);
    return false;
  }

  close(): void {
    this.unsubscribe?.();
    this.closer.stop();
  }

  private onRingChange({ previous, current, epoch, moved }: Movement): void {
    if (!moved) return; // the first ring this process sees: nobody has moved
    const joined = current.members.some((id) => !previous.members.includes(id));
    const closeAll = this.options.strategy === "all" && joined;
    const sockets = [...this.io.of("/").sockets.values()];
    const moving = sockets.filter((s) => closeAll || current.owner(s.data.userId) !== this.options.selfId);
    if (moving.length === 0) return;
    this.options.log.info({ epoch, sockets: moving.length, strategy: closeAll ? "all" : "moved" }, "rebalancing");
    this.closer.closeAll(moving);
  }
}
