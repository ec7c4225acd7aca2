import type { SessionEndReason, SessionGuard } from "../auth/revocations.ts";
import type { TokenService } from "../auth/tokens.ts";
import { RingcastError, toPublicError } from "../errors.ts";
import type { Logger } from "../log.ts";
import type { RingcastSocket } from "./types.ts";

/** setTimeout's longest delay (~24.8 days); longer waits are taken in steps. */
const MAX_DELAY_MS = 2 ** 31 - 1;

interface Watch {
  timer?: ReturnType<typeof setTimeout>;
  /** ringcast:token-expiring was sent for the current token. */
  noticed: boolean;
}

/**
 * Keeps each socket's session within its token's lifetime: `ringcast:token-expiring` a notice period
 * before the token expires, `ringcast:refresh-token` to continue under a new token of the same user,
 * and at expiry `ringcast:session-ended` { reason: "token_expired" } and the connection closed.
 * One timer per socket at a time (the notice, then the expiry), cleared on disconnect.
 */
export class SessionLifetime {
  private readonly watches = new WeakMap<RingcastSocket, Watch>();

  constructor(
    private readonly tokens: TokenService,
    private readonly guard: SessionGuard,
    private readonly noticeMs: number,
    private readonly log: Logger,
  ) {}

  attach(socket: RingcastSocket): void {
    this.watch(socket);
    socket.once("disconnect", () => this.unwatch(socket));
    socket.on("ringcast:refresh-token", (payload, ack) => {
      if (typeof ack !== "function") return;
      this.refresh(socket, payload).then(
        (expiresAt) => ack({ ok: true, expiresAt }),
        (err: unknown) => {
          const error = toPublicError(err);
          if (error.code === "internal_error") this.log.error({ err }, "token refresh failed");
          ack({ ok: false, error: error.toJSON() });
        },
      );
    });
  }

  /** Verifies a new token for this socket's user and moves the socket's expiry to it. */
  private async refresh(socket: RingcastSocket, payload: unknown): Promise<string> {
    const token = (payload as { token?: unknown } | null)?.token;
    if (typeof token !== "string") throw new RingcastError("invalid_request", "send { token } with a new access token");
    const verified = this.tokens.verifyToken(token);
    if (verified.claims.userId !== socket.data.userId || verified.claims.role !== socket.data.role) {
      throw new RingcastError("forbidden", "the new token is for another user; sign in again on a new connection");
    }
    await this.guard.check(verified);
    if (!socket.connected) throw new RingcastError("invalid_request", "the connection has closed");
    socket.data.tokenId = verified.tokenId;
    socket.data.tokenExpiresAt = verified.expiresAtMs;
    this.watch(socket);
    return new Date(verified.expiresAtMs).toISOString();
  }

  private watch(socket: RingcastSocket): void {
    this.unwatch(socket);
    const step = (watch: Watch): void => {
      const left = (socket.data.tokenExpiresAt ?? 0) - Date.now();
      if (left <= 0) {
        this.watches.delete(socket);
        endSession(socket, "token_expired");
        return;
      }
      if (!watch.noticed && left <= this.noticeMs) {
        watch.noticed = true;
        socket.emit("ringcast:token-expiring", { expiresAt: new Date(socket.data.tokenExpiresAt ?? 0).toISOString() });
      }
      watch.timer = setTimeout(() => step(watch), Math.min(watch.noticed ? left : left - this.noticeMs, MAX_DELAY_MS));
    };
    if (socket.data.tokenExpiresAt === undefined) return;
    const watch: Watch = { noticed: false };
    this.watches.set(socket, watch);
    step(watch);
  }

  private unwatch(socket: RingcastSocket): void {
    const watch = this.watches.get(socket);
    if (watch) clearTimeout(watch.timer);
    this.watches.delete(socket);
  }
}

/** Tells the client why, then closes its connection (the client should not simply reconnect). */
export function endSession(socket: RingcastSocket, reason: SessionEndReason): void {
  if (!socket.connected) return;
  socket.emit("ringcast:session-ended", { reason });
  socket.disconnect(true);
}
