import type { ExtendedError, Server, Socket } from "socket.io";
import type { Logger } from "../log.ts";
import { PacedCloser } from "../realtime/paced-closer.ts";
import type { RingChange } from "../ring/ring-view.ts";

/** The ring as the mover needs it (a RingView). */
export interface OwnerLookup {
  owner(key: string): string | undefined;
  ownerUrl(key: string): { id: string; url: string } | undefined;
  readonly epoch: number;
  onChange(listener: (change: RingChange) => void): () => void;
}

export interface SocketMoverOptions {
  selfId: string;
  /** A socket's routing key (its user), or undefined for a socket that may be on any member. */
  keyOf: (socket: Socket) => string | undefined;
  /** Refuse, at the handshake, a socket whose key another member owns. */
  ownerOnly: boolean;
  /** Sockets closed per step while moving. */
  batchSize: number;
  /** Mean pause between steps (ms), jittered ±50% so a join does not become a reconnect storm. */
  intervalMs: number;
  log: Logger;
}

/** What a refused handshake carries in `connect_error`'s `err.data`: where to connect instead. */
export interface WrongMember {
  code: "wrong_member";
  owner: { id: string; url: string };
  epoch: number;
}

/**
 * Hash mode: an emit to a user's room goes to the member that owns the user, so each socket must
 * be on its key's owner. At the handshake a socket whose key another member owns is refused with
 * that owner in `err.data`; after a ring change the sockets whose owner changed have their
 * transport closed (no disconnect packet), in paced batches, so a stock client reconnects by itself
 * (through a router, to its new owner). Sockets without a key are never touched.
 */
export class SocketMover {
  private readonly closer: PacedCloser<Socket>;
  private unsubscribe: (() => void) | undefined;

  /** Sockets closed so far (moved or refused after their handshake). */
  get moved(): number {
    return this.closer.closed;
  }

  constructor(
    private readonly io: Server,
    private readonly ring: OwnerLookup,
    private readonly options: SocketMoverOptions,
  ) {
    // Checked again as each socket's turn comes: the ring may have changed back since.
    this.closer = new PacedCloser({ batchSize: options.batchSize, intervalMs: options.intervalMs, stillToClose: (socket) => this.elsewhere(socket) !== undefined });
  }

  start(): void {
    this.unsubscribe ??= this.ring.onChange((change) => this.onRingChange(change));
  }

  close(): void {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    this.closer.stop();
  }

  /** Socket.IO middleware: refuses a socket whose key another member owns (when `ownerOnly`). */
  readonly admission = (socket: Socket, next: (err?: ExtendedError) => void): void => {
    const owner = this.options.ownerOnly ? this.elsewhere(socket) : undefined;
    if (!owner) return next();
    const err: ExtendedError = new Error(`this user belongs to member ${owner.id} (${owner.url})`);
    const data: WrongMember = { code: "wrong_member", owner, epoch: this.ring.epoch };
    err.data = data;
    next(err);
  };

  /**
   * Checks a socket once connected: if the ring changed during its handshake, that change was
   * handled before the socket was listed, so it would stay on a member that no longer owns it.
   */
  recheck(socket: Socket): void {
    if (this.elsewhere(socket)) this.closer.closeNow(socket);
  }

  /** Where the socket's key belongs when that is another member; undefined when it may stay. */
  private elsewhere(socket: Socket): { id: string; url: string } | undefined {
    const key = this.keyOf(socket);
    const owner = key === undefined ? undefined : this.ring.ownerUrl(key);
    return owner && owner.id !== this.options.selfId ? owner : undefined;
  }

  /** Never throws: a key function that fails leaves the socket where it is. */
  private keyOf(socket: Socket): string | undefined {
    try {
      const key = this.options.keyOf(socket);
      return typeof key === "string" ? key : undefined;
    } catch (err) {
      this.options.log.warn({ err: (err as Error).message }, "userIdOf threw; the socket is not moved");
      return undefined;
    }
  }

  private onRingChange({ previous, current, epoch }: RingChange): void {
    // The first ring this process sees moved nobody; a change of addresses only moves nobody either.
    if (previous.size === 0 || sameMembers(previous.members, current.members)) return;
    const moving = [...this.io.of("/").sockets.values()].filter((socket) => this.elsewhere(socket) !== undefined);
    if (moving.length === 0) return;
    this.options.log.info({ epoch, sockets: moving.length }, "moving sockets to their new owners");
    this.closer.closeAll(moving);
  }
}

function sameMembers(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((id) => b.includes(id));
}
