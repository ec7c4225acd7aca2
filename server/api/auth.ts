import type { Context, Next } from "koa";
import type { TokenClaims, TokenService } from "../auth/tokens.ts";
import { RingcastError } from "../errors.ts";

export interface AuthState {
  claims: TokenClaims;
}

/** Requires `Authorization: Bearer <token>`; puts the verified claims in ctx.state.claims. */
export function requireToken(tokens: TokenService) {
  return async (ctx: Context, next: Next): Promise<void> => {
    const header = ctx.get("Authorization");
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (header && !match) throw new RingcastError("invalid_token", "Authorization must be 'Bearer <token>'");
    ctx.state.claims = await tokens.verify(match?.[1]);
    await next();
  };
}

export function claimsOf(ctx: Context): TokenClaims {
  return (ctx.state as AuthState).claims;
}
