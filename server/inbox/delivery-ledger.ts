import type { Redis } from "ioredis";
import type { Target } from "../messaging/message.ts";
import { guarded } from "../redis/guard.ts";
import type { RedisKeys } from "../redis/keys.ts";

/**
 * Where a message stands for one recipient: sent to one of its sockets, kept in its log for
 * replay, or trimmed from the log (by length or age) before it was delivered.
 */
export type DeliveryStatus = "delivered" | "stored" | "expired";

export interface MessageStatus {
  id: string;
  senderId: string;
  to: Target;
  sentAt: string;
  recipients: { userId: string; status: DeliveryStatus }[];
}

/**
 * Which recipients a message has reached: recorded when it is sent, marked as each recipient's
 * socket is sent it. Kept as long as the logs keep messages.
 */
export class DeliveryLedger {
  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
    private readonly ttlMs: number,
  ) {}

  recordSent(id: string, senderId: string, to: Target, sentAt: string, recipientIds: readonly string[]): Promise<void> {
    return this.run(async () => {
      const key = this.keys.messageInfo(id);
      await this.redis
        .multi()
        .hset(key, { senderId, to: JSON.stringify(to), sentAt, recipients: JSON.stringify(recipientIds) })
        .pexpire(key, this.ttlMs)
        .exec();
    });
  }

  /** Marks messages as delivered to `userId` (best effort: a lost mark only understates). */
  async markDelivered(userId: string, messageIds: readonly string[]): Promise<void> {
    if (messageIds.length === 0 || this.redis.status !== "ready") return;
    const pipeline = this.redis.pipeline();
    for (const id of messageIds) {
      pipeline.sadd(this.keys.messageDelivered(id), userId);
      pipeline.pexpire(this.keys.messageDelivered(id), this.ttlMs);
    }
    await pipeline.exec();
  }

  status(id: string): Promise<MessageStatus | undefined> {
    return this.run(async () => {
      const [info, delivered] = await Promise.all([
        this.redis.hgetall(this.keys.messageInfo(id)),
        this.redis.smembers(this.keys.messageDelivered(id)),
      ]);
      if (!info.senderId || !info.recipients || !info.to || !info.sentAt) return undefined;
      const reached = new Set(delivered);
      const recipientIds = JSON.parse(info.recipients) as string[];
      return {
        id,
        senderId: info.senderId,
        to: JSON.parse(info.to) as Target,
        sentAt: info.sentAt,
        recipients: recipientIds.map((userId) => ({ userId, status: reached.has(userId) ? "delivered" : "stored" })),
      };
    });
  }

  private run<T>(operation: () => Promise<T>): Promise<T> {
    return guarded(this.redis, "the delivery ledger", operation);
  }
}
