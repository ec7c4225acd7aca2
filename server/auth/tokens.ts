import { randomBytes } from "node:crypto";
import { RingcastError } from "../errors.ts";
import { signHs256, verifyHs256 } from "./hs256.ts";
import type { Role } from "../school/school.ts";

/** What a valid token proves about its bearer. */
export interface TokenClaims {
  userId: string;
  role: Role;
}

/** A verified token: who it is for, which token it is (for revocation) and until when it is valid. */
export interface VerifiedToken {
  claims: TokenClaims;
  /** The token's `jti`; for a token without one (signed elsewhere), its signature, equally unique. */
  tokenId: string;
  /** `exp` in milliseconds. */
  expiresAtMs: number;
}

export interface IssuedToken {
  token: string;
  expiresAt: string;
}

const ISSUER = "ringcast";

/** Signs and verifies short-lived HS256 access tokens. */
export class TokenService {
  private readonly key: Uint8Array;

  constructor(
    secret: string,
    private readonly ttlSeconds: number,
  ) {
    this.key = new TextEncoder().encode(secret);
  }

  async issue(claims: TokenClaims): Promise<IssuedToken> {
    const issuedAtSeconds = Math.floor(Date.now() / 1000);
    const expiresAtSeconds = issuedAtSeconds + this.ttlSeconds;
    // jti: each token can be revoked on its own (POST /api/logout) without touching the user's others.
    const jti = randomBytes(16).toString("base64url");
    const token = signHs256({ role: claims.role, sub: claims.userId, iss: ISSUER, iat: issuedAtSeconds, exp: expiresAtSeconds, jti }, this.key);
    return { token, expiresAt: new Date(expiresAtSeconds * 1000).toISOString() };
  }

  /** Resolves the claims or throws missing_token / token_expired / invalid_token. */
  async verify(token: unknown): Promise<TokenClaims> {
    return this.verifyToken(token).claims;
  }

  /** Like verify(), with the token's id and expiry (synchronous: HS256 with node:crypto). */
  verifyToken(token: unknown): VerifiedToken {
    if (typeof token !== "string" || token.length === 0) {
      throw new RingcastError("missing_token", "an access token is required (POST /api/login)");
    }
    const payload = verifyHs256(token, this.key, ISSUER);
    if (payload === "expired") throw new RingcastError("token_expired", "the access token has expired; sign in again");
    if (payload === "invalid") throw new RingcastError("invalid_token", "the access token is invalid");
    const role = payload.role;
    if (typeof payload.sub !== "string" || (role !== "teacher" && role !== "student")) {
      throw new RingcastError("invalid_token", "the access token is malformed");
    }
    const tokenId = typeof payload.jti === "string" && payload.jti.length > 0 ? payload.jti : token.slice(token.lastIndexOf(".") + 1);
    return { claims: { userId: payload.sub, role }, tokenId, expiresAtMs: (payload.exp as number) * 1000 };
  }
}
