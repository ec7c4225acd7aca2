import { createHash, timingSafeEqual } from "node:crypto";
import type { Context, Next } from "koa";
import { RingcastError } from "../errors.ts";

/**
 * Operator-only routes (cluster internals: member URLs, counters) need
 * `Authorization: Bearer <RINGCAST_OPERATOR_TOKEN>`. A user's token, however valid, gets 403; with
 * no operator token configured every request does.
 */
export function requireOperator(operatorToken: string | undefined) {
  const expected = operatorToken === undefined ? undefined : digest(operatorToken);
  return async (ctx: Context, next: Next): Promise<void> => {
    const presented = /^Bearer\s+(\S+)$/i.exec(ctx.get("Authorization"))?.[1];
    if (presented === undefined) throw new RingcastError("missing_token", "this route is for operators: send Authorization: Bearer <operator token>");
    // Digests have one length, so the comparison takes the same time whatever was sent.
    if (!expected || !timingSafeEqual(digest(presented), expected)) {
      throw new RingcastError("forbidden", "this route is for operators only");
    }
    await next();
  };
}

function digest(token: string): Buffer {
  return createHash("sha256").update(token).digest();
}
