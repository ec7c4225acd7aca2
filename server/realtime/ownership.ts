import type { IncomingMessage } from "node:http";
import { tokenFromRequest } from "../auth/request-token.ts";
import type { TokenService } from "../auth/tokens.ts";
import { RingcastError } from "../errors.ts";
import type { RingView } from "../ring/ring-view.ts";

export type AllowRequest = (req: IncomingMessage, callback: (err: string | null | undefined, success: boolean) => void) => void;

/**
 * Hash mode's Engine.IO gate: a new session for a user this member does not own at its current
 * epoch is refused with HTTP 403, which a stock socket.io-client treats as a transport error and
 * retries (through a router, which sends it to the owner). A missing or bad token passes here so
 * the handshake middleware can refuse it with a clear connect_error instead.
 */
export function ownershipGate(tokens: TokenService, ring: RingView, selfId: string): AllowRequest {
  return (req, callback) => {
    tokens.verify(tokenFromRequest(req)).then(
      ({ userId }) => {
        const refusal = misdirected(ring, selfId, userId);
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
export function ownershipCheck(ring: RingView, selfId: string): (userId: string) => void {
  return (userId) => {
    const refusal = misdirected(ring, selfId, userId);
    if (refusal) throw new RingcastError("wrong_member", `${refusal}, with the token in the query ({ query: { token } })`);
  };
}

function misdirected(ring: RingView, selfId: string, userId: string): string | null {
  const owner = ring.owner(userId);
  if (owner === undefined || owner === selfId) return null;
  return `user ${userId} belongs to member ${owner} at ring epoch ${ring.epoch}; connect through a router`;
}
