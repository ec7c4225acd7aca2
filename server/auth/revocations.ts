import type { RedisClient } from "../redis/connect.ts";
import type { SessionEndReason } from "../../protocol/events.ts";
import { RingcastError } from "../errors.ts";
import { guarded } from "../redis/guard.ts";
import { publish } from "../redis/pubsub.ts";
import type { RedisKeys } from "../redis/keys.ts";
import type { AccountBlock } from "../school/school.ts";
import type { VerifiedToken } from "./tokens.ts";

/** Why a live session ended before its client closed it; sent in `ringcast:session-ended`. */
export type { SessionEndReason } from "../../protocol/events.ts";

/** Announced on keys.sessionEnds: end every session of `userId`, or (with `tokenId`) those of one token. */
export interface SessionEnd {
  userId: string;
  tokenId?: string;
  reason: SessionEndReason;
}

const REASONS: readonly SessionEndReason[] = ["token_expired", "token_revoked", "account_disabled", "account_deleted"];

/**
 * Refuses tokens that their signature alone would accept: revoked ones (POST /api/logout) and those
 * of disabled or deleted users. One MGET per check (both keys are read together), so REST pays one
 * round trip per request and sockets one per handshake or refresh, never one per message.
 */
export class SessionGuard {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: RedisKeys,
  ) {}

  /** Throws invalid_token (revoked, deleted user) or forbidden (disabled user); 503 without Redis. */
  async check(token: VerifiedToken): Promise<void> {
    const [revoked, block] = await guarded(this.redis, "the session directory", () =>
      this.redis.mget(this.keys.revokedToken(token.tokenId), this.keys.userBlock(token.claims.userId)),
    );
    const refusal = refusalOf(revoked != null, block);
    if (refusal) throw refusal;
  }

  /** Throws forbidden for a disabled account (login asks after the password check: ids are not probed). */
  async checkAccount(userId: string): Promise<void> {
    const block = await guarded(this.redis, "the session directory", () => this.redis.get(this.keys.userBlock(userId)));
    const refusal = refusalOf(false, block);
    if (refusal) throw refusal;
  }

  /**
   * Revokes one token until it would have expired anyway (the key then expires with it) and ends
   * its live sockets on every member.
   */
  async revoke(token: VerifiedToken): Promise<void> {
    const remainingMs = Math.ceil(token.expiresAtMs - Date.now());
    if (remainingMs <= 0) return;
    await guarded(this.redis, "the session directory", () => this.redis.set(this.keys.revokedToken(token.tokenId), "1", "PX", remainingMs));
    await publishSessionEnd(this.redis, this.keys, { userId: token.claims.userId, tokenId: token.tokenId, reason: "token_revoked" });
  }
}

/** The error for a revoked token or a blocked account, or undefined when neither. */
export function refusalOf(revoked: boolean, block: string | null | undefined): RingcastError | undefined {
  if (block === ("deleted" satisfies AccountBlock)) return new RingcastError("invalid_token", "the account behind this token no longer exists");
  if (block === ("disabled" satisfies AccountBlock)) return new RingcastError("forbidden", "this account is disabled; ask an administrator");
  if (revoked) return new RingcastError("invalid_token", "the access token was revoked (signed out); sign in again");
  return undefined;
}

/** The session-end reason of a blocked account, or undefined. */
export function endReasonOf(block: string | null | undefined): SessionEndReason | undefined {
  if (block === "deleted") return "account_deleted";
  if (block === "disabled") return "account_disabled";
  return undefined;
}

/** Tells every member to end the matching sessions now (the admin CLI uses it too). */
export async function publishSessionEnd(redis: RedisClient, keys: RedisKeys, end: SessionEnd): Promise<void> {
  await guarded(redis, "the session directory", () => publish(redis, keys.sessionEnds, JSON.stringify(end)));
}

/** A SessionEnd from the channel, or undefined for anything else. */
export function parseSessionEnd(text: string): SessionEnd | undefined {
  try {
    const value = JSON.parse(text) as Partial<SessionEnd> | null;
    if (typeof value?.userId !== "string" || !REASONS.includes(value.reason as SessionEndReason)) return undefined;
    if (value.tokenId !== undefined && typeof value.tokenId !== "string") return undefined;
    return { userId: value.userId, reason: value.reason as SessionEndReason, ...(value.tokenId ? { tokenId: value.tokenId } : {}) };
  } catch {
    return undefined;
  }
}
