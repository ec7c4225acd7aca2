import type { IncomingMessage } from "node:http";
import { tokenFromRequest } from "../auth/request-token.ts";
import type { TokenService } from "../auth/tokens.ts";
import { RingcastError } from "../errors.ts";

/** Why this member must not take a session of `userId` (another member owns it), or null. */
export type Refusal = (userId: string) => string | null;

export type AllowRequest = (req: IncomingMessage, callback: (err: string | null | undefined, success: boolean) => void) => void;

/**
 * Hash mode's Engine.IO gate: a new session for a user this member does not own at its current
 * epoch is refused with HTTP 403, which a stock socket.io-client treats as a transport error and
 * retries (through a router, which sends it to the owner). A missing or bad token passes here so
 * the handshake middleware can refuse it with a clear connect_error instead.
 */
export function ownershipGate(tokens: TokenService, misdirected: Refusal): AllowRequest {
  return (req, callback) => {
    tokens.verify(tokenFromRequest(req)).then(
      ({ userId }) => {
        const refusal = misdirected(userId);
        callback(refusal, refusal === null);
      },
      () => callback(null, true),
    );
  };
}

/**
 * The same rule at the Socket.IO handshake, for a client that sent its token only in `auth`
 * (invisible to routers): refused with a clear connect_error, since it cannot be routed anyway.
 */
export function ownershipCheck(misdirected: Refusal): (userId: string) => void {
  return (userId) => {
    const refusal = misdirected(userId);
    if (refusal) throw new RingcastError("wrong_member", `${refusal}, with the token in the query ({ query: { token } })`);
  };
}
