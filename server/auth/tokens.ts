import { errors, jwtVerify, SignJWT } from "jose";
import { RingcastError } from "../errors.ts";
import type { Role } from "../school/school.ts";

/** What a valid token proves about its bearer. */
export interface TokenClaims {
  userId: string;
  role: Role;
}

export interface IssuedToken {
  token: string;
  expiresAt: string;
}

const ISSUER = "ringcast";
const ALGORITHM = "HS256";

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
    const expiresAtSeconds = Math.floor(Date.now() / 1000) + this.ttlSeconds;
    const token = await new SignJWT({ role: claims.role })
      .setProtectedHeader({ alg: ALGORITHM })
      .setSubject(claims.userId)
      .setIssuer(ISSUER)
      .setIssuedAt()
      .setExpirationTime(expiresAtSeconds)
      .sign(this.key);
    return { token, expiresAt: new Date(expiresAtSeconds * 1000).toISOString() };
  }

  /** Resolves the claims or throws missing_token / token_expired / invalid_token. */
  async verify(token: unknown): Promise<TokenClaims> {
    if (typeof token !== "string" || token.length === 0) {
      throw new RingcastError("missing_token", "an access token is required (POST /api/login)");
    }
    try {
      const { payload } = await jwtVerify(token, this.key, { issuer: ISSUER, algorithms: [ALGORITHM] });
      const role = payload.role;
      if (typeof payload.sub !== "string" || (role !== "teacher" && role !== "student")) {
        throw new RingcastError("invalid_token", "the access token is malformed");
      }
      return { userId: payload.sub, role };
    } catch (err) {
      if (err instanceof RingcastError) throw err;
      if (err instanceof errors.JWTExpired) {
        throw new RingcastError("token_expired", "the access token has expired; sign in again");
      }
      throw new RingcastError("invalid_token", "the access token is invalid");
    }
  }
}
