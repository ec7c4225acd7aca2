import type { Context, Next } from "koa";
import type { SessionGuard } from "../auth/revocations.ts";
import type { TokenClaims, TokenService, VerifiedToken } from "../auth/tokens.ts";
import { RingcastError } from "../errors.ts";

export interface AuthState {
  claims: TokenClaims;
  token: VerifiedToken;
}

/**
 * Requires `Authorization: Bearer <token>`: signed, not expired, not revoked, its account neither
 * disabled nor deleted (one Redis read). Puts the verified claims in ctx.state.claims.
 */
export function requireToken(tokens: TokenService, guard: SessionGuard) {
  return async (ctx: Context, next: Next): Promise<void> => {
    const header = ctx.get("Authorization");
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (header && !match) throw new RingcastError("invalid_token", "Authorization must be 'Bearer <token>'");
    const token = tokens.verifyToken(match?.[1]);
    await guard.check(token);
    (ctx.state as AuthState).claims = token.claims;
    (ctx.state as AuthState).token = token;
    await next();
  };
}

export function claimsOf(ctx: Context): TokenClaims {
  return (ctx.state as AuthState).claims;
}

/** The verified token of an authenticated request (its id and expiry, e.g. to revoke it). */
export function tokenOf(ctx: Context): VerifiedToken {
  return (ctx.state as AuthState).token;
}
