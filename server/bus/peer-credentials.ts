import { createHmac, timingSafeEqual } from "node:crypto";

/** How long a signed peer credential is accepted (ms): a captured one cannot be replayed later. */
const CREDENTIAL_TTL_MS = 60_000;

/**
 * Credentials for member-to-member links: `<memberId>.<expiresAtMs>.<hmac>`, signed with a key
 * derived from the cluster's token secret (so a peer credential never doubles as a token).
 */
export class PeerCredentials {
  private readonly key: Buffer;

  constructor(secret: string) {
    this.key = createHmac("sha256", secret).update("ringcast peer link v1").digest();
  }

  sign(memberId: string, now = Date.now()): string {
    const expiresAt = now + CREDENTIAL_TTL_MS;
    return `${memberId}.${expiresAt}.${this.mac(memberId, expiresAt)}`;
  }

  /** The member id a valid credential names, or undefined (malformed, forged or expired). */
  verify(credential: unknown, now = Date.now()): string | undefined {
    if (typeof credential !== "string") return undefined;
    const match = /^(.+)\.(\d{13})\.([0-9a-f]{64})$/.exec(credential);
    if (!match) return undefined;
    const [, memberId = "", expires = "", mac = ""] = match;
    const expiresAt = Number(expires);
    if (expiresAt < now || expiresAt > now + CREDENTIAL_TTL_MS * 2) return undefined;
    const expected = Buffer.from(this.mac(memberId, expiresAt), "hex");
    return timingSafeEqual(expected, Buffer.from(mac, "hex")) ? memberId : undefined;
  }

  private mac(memberId: string, expiresAt: number): string {
    return createHmac("sha256", this.key).update(`${memberId}.${expiresAt}`).digest("hex");
  }
}
