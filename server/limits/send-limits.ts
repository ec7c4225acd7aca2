import type { RedisClient } from "../redis/connect.ts";
import type { RateLimits } from "../config/config.ts";
import type { Target } from "../messaging/message.ts";
import { ClusterLimit, limitKeyPrefix } from "./rate-limits.ts";

/** What MessageService asks before it stores a message: throws when the sender is over a limit. */
export interface SendLimiter {
  admit(senderId: string, to: Target): Promise<void>;
}

/**
 * Direct messages per sender and class messages per sender (only a class's teacher gets past the
 * rules), cluster-wide. Every attempt counts, so a flood of refused sends is limited too.
 */
export class SendLimits implements SendLimiter {
  private readonly direct: ClusterLimit;
  private readonly toClass: ClusterLimit;

  constructor(redis: RedisClient, redisPrefix: string, limits: Pick<RateLimits, "directMessages" | "classMessages">) {
    this.direct = new ClusterLimit(redis, limitKeyPrefix(redisPrefix, "dm"), limits.directMessages, "direct messages", "sending");
    this.toClass = new ClusterLimit(redis, limitKeyPrefix(redisPrefix, "class"), limits.classMessages, "class messages", "sending");
  }

  admit(senderId: string, to: Target): Promise<void> {
    return (to.type === "user" ? this.direct : this.toClass).consume(senderId);
  }
}
