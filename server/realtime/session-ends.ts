import type { RedisClient } from "../redis/connect.ts";
import { endReasonOf, parseSessionEnd, type SessionEnd } from "../auth/revocations.ts";
import type { Logger } from "../log.ts";
import type { RedisKeys } from "../redis/keys.ts";
import { onMessage, subscribe, unsubscribe } from "../redis/pubsub.ts";
import { onResubscribed } from "../redis/resubscribed.ts";
import { userRoom } from "./rooms.ts";
import { endSession } from "./session-lifetime.ts";
import type { RingcastServer, RingcastSocket } from "./types.ts";

/** Keys read per MGET when re-checking every local socket. */
const SWEEP_CHUNK = 500;
/** Tries of the re-check after a reconnect (0.5 s, 1 s, 1.5 s... apart: about 20 s in all). */
const SWEEP_ATTEMPTS = 9;

/**
 * Ends live sessions cluster-wide: every member listens on one channel (keys.sessionEnds) where a
 * logout, or the admin CLI disabling or deleting a user, announces which sessions end, and closes
 * the matching sockets it holds. Announcements sent while this member's subscriber was
 * disconnected are lost, so after a reconnect it re-checks each local socket once.
 */
export class SessionEnds {
  private readonly onEnd = (channel: string, text: string): void => {
    if (channel !== this.keys.sessionEnds) return;
    const end = parseSessionEnd(text);
    if (!end) return;
    if (end.reason === "account_deleted" || end.reason === "account_disabled") this.onAccountEnded(end.userId);
    this.endLocal(end);
  };
  private readonly onReconnect = (): void => this.sweepAfterReconnect(1);
  private retry: NodeJS.Timeout | undefined;
  private stops: (() => void)[] = [];

  constructor(
    private readonly io: RingcastServer,
    /** A connection in subscriber mode (shared with other subscribers: messages are filtered by channel). */
    private readonly subscriber: RedisClient,
    private readonly store: RedisClient,
    private readonly keys: RedisKeys,
    private readonly log: Logger,
    /** Told of each disabled or deleted account first (e.g. to drop cached school reads). */
    private readonly onAccountEnded: (userId: string) => void = () => undefined,
  ) {}

  start(): void {
    this.stops = [onMessage(this.subscriber, this.onEnd), onResubscribed(this.subscriber, this.onReconnect)];
    subscribe(this.subscriber, this.keys.sessionEnds).catch((err: Error) => this.log.error({ err: err.message }, "could not subscribe to session ends"));
  }

  close(): void {
    clearTimeout(this.retry);
    for (const stop of this.stops) stop();
    unsubscribe(this.subscriber, this.keys.sessionEnds).catch(() => undefined);
  }

  /** Closes this member's sockets of `end.userId` (only those of `end.tokenId` when given). */
  endLocal(end: SessionEnd): number {
    const sockets = this.localSocketsOf(end.userId).filter((s) => end.tokenId === undefined || s.data.tokenId === end.tokenId);
    for (const socket of sockets) endSession(socket, end.reason);
    if (sockets.length > 0) this.log.info({ userId: end.userId, reason: end.reason, sockets: sockets.length }, "sessions ended");
    return sockets.length;
  }

  /** Re-checks every local socket's token and account (one MGET per chunk of sockets). */
  async sweep(): Promise<void> {
    const sockets = [...this.io.of("/").sockets.values()];
    for (let i = 0; i < sockets.length; i += SWEEP_CHUNK) {
      const chunk = sockets.slice(i, i + SWEEP_CHUNK);
      const keys = chunk.flatMap((s) => [this.keys.revokedToken(s.data.tokenId ?? ""), this.keys.userBlock(s.data.userId)]);
      const values = await this.store.mget(keys);
      chunk.forEach((socket, j) => {
        const reason = endReasonOf(values[2 * j + 1]) ?? (values[2 * j] != null ? "token_revoked" : undefined);
        if (reason) endSession(socket, reason);
      });
    }
  }

  /**
   * The subscriber is often back before the store (each connection reconnects on its own, and
   * after a failover each asks the sentinels): a failed re-check is tried again, a few times.
   */
  private sweepAfterReconnect(attempt: number): void {
    clearTimeout(this.retry);
    this.sweep().catch((err: Error) => {
      if (attempt >= SWEEP_ATTEMPTS) return this.log.warn({ err: err.message }, "session re-check after a Redis reconnect failed");
      this.log.debug({ err: err.message, attempt }, "session re-check after a Redis reconnect failed; trying again");
      this.retry = setTimeout(() => this.sweepAfterReconnect(attempt + 1), 500 * attempt);
    });
  }

  private localSocketsOf(userId: string): RingcastSocket[] {
    const namespace = this.io.of("/");
    const ids = namespace.adapter.rooms.get(userRoom(userId)) ?? new Set<string>();
    return [...ids].flatMap((id) => namespace.sockets.get(id) ?? []);
  }
}
