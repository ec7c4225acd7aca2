import type { ConnectErrorData } from "../../protocol/errors.ts";
import type { SessionGuard } from "../auth/revocations.ts";
import type { TokenService } from "../auth/tokens.ts";
import { RingcastError, toPublicError } from "../errors.ts";
import type { Logger } from "../log.ts";
import { type InboxStore, MESSAGE_ID_PATTERN } from "../inbox/inbox.ts";
import type { SchoolStore } from "../school/school.ts";
import { classRoom, userRoom } from "./rooms.ts";
import type { RingcastSocket } from "./types.ts";

/** Throws wrong_member when this member must not serve `userId` (hash mode). */
export type OwnershipCheck = (userId: string) => void;

/** A connect_error the client can read: `err.message` and `err.data.code`. */
class HandshakeError extends Error {
  constructor(
    message: string,
    readonly data: ConnectErrorData,
  ) {
    super(message);
  }
}

/**
 * Handshake middleware: the client must send `auth: { token }` (or `query: { token }`, which
 * routers can read too). A valid token joins the socket
 * to its personal room and its classes' rooms; anything else is refused with a clear connect_error.
 */
export function socketAuth(
  tokens: TokenService,
  guard: SessionGuard,
  school: SchoolStore,
  inbox: InboxStore,
  log: Logger,
  ownership?: OwnershipCheck,
) {
  return async (socket: RingcastSocket, next: (err?: Error) => void): Promise<void> => {
    try {
      const token = tokens.verifyToken(handshakeToken(socket));
      const { claims } = token;
      ownership?.(claims.userId);
      // One round trip: the reads are independent (and pipelined by the client). The guard refuses
      // a revoked token or a disabled or deleted account.
      const [user, classIds, cursor] = await Promise.all([school.getUser(claims.userId), school.classIdsOf(claims.userId), resumePoint(socket, claims.userId, inbox), guard.check(token)]);
      if (!user) throw new RingcastError("invalid_token", "the account behind this token no longer exists");
      socket.data = { userId: user.id, name: user.name, role: user.role, cursor, tokenId: token.tokenId, tokenExpiresAt: token.expiresAtMs };
      socket.join([userRoom(user.id), ...classIds.map(classRoom)]);
      forgetToken(socket);
      next();
    } catch (err) {
      const error = toPublicError(err);
      if (error.code === "internal_error") log.error({ err }, "socket handshake failed");
      if (retryable(error.code, socket)) {
        // A stock client gives up after a connect_error but retries a closed transport (with
        // backoff): for a passing condition, close it. socket.io ignores `next` once it is closed.
        log.debug({ code: error.code }, "handshake deferred: transport closed so the client retries");
        socket.conn.close();
      }
      next(new HandshakeError(error.message, { code: error.code }));
    }
  };
}

/**
 * Redis away or its data lost (until restored or re-seeded), or the ring changed between the
 * Engine.IO gate and here: all pass, so the client
 * should try again. A client whose token is only in `auth` cannot be routed, so wrong_member is
 * final for it.
 */
function retryable(code: string, socket: RingcastSocket): boolean {
  if (code === "service_unavailable" || code === "data_lost") return true;
  return code === "wrong_member" && typeof socket.handshake.query.token === "string";
}

function handshakeToken(socket: RingcastSocket): unknown {
  const auth: unknown = socket.handshake.auth;
  const fromAuth = typeof auth === "object" && auth !== null ? (auth as { token?: unknown }).token : undefined;
  return fromAuth ?? socket.handshake.query.token;
}

/**
 * The socket's token is not needed once it is verified: dropped, so each connection neither keeps a
 * credential in memory nor the bytes of it (routers put it in the query too).
 */
function forgetToken(socket: RingcastSocket): void {
  const auth: unknown = socket.handshake.auth;
  if (typeof auth === "object" && auth !== null) delete (auth as { token?: unknown }).token;
  delete socket.handshake.query.token;
}

/**
 * Where the socket's messages start: after `lastMessageId` (from `auth` or `query`) when the client
 * sends one, so it gets what it missed; otherwise after the newest message (a fresh session). A
 * position older than the log keeps is told by the first read (ringcast:history-truncated).
 */
async function resumePoint(socket: RingcastSocket, userId: string, inbox: InboxStore): Promise<string> {
  const auth = socket.handshake.auth as { lastMessageId?: unknown } | undefined;
  const requested = auth?.lastMessageId ?? socket.handshake.query.lastMessageId;
  if (requested === undefined || requested === "") return inbox.tail(userId);
  if (typeof requested !== "string" || !MESSAGE_ID_PATTERN.test(requested)) {
    throw new RingcastError("invalid_request", "lastMessageId must be a message id such as 1795320000000-0");
  }
  return requested;
}
