import { decodeNotice, type Notice } from "../inbox/notice.ts";
import type { Logger } from "../log.ts";
import { closeRedis, connectRedis, type RedisClient } from "../redis/connect.ts";
import { onMessage, subscribe } from "../redis/pubsub.ts";
import { onResubscribed, onSubscriberLost } from "../redis/resubscribed.ts";

/** What the subscriber tells its listener. */
export interface NoticeListener {
  /** A notice, in the order the appends published them. */
  notice(notice: Notice): void;
  /** Notices may have been missed from now on (the connection dropped): stop trusting them. */
  lost(): void;
  /** Subscribed again: whatever was published while away is in the logs, not in notices. */
  restored(): void;
}

/**
 * Listens on this member's notice channels (one per log group) on a connection of its own: it
 * hears each channel's notices in the order Redis published them, which is id order within the
 * group (and a user's messages are all in its group).
 */
export class NoticeSubscriber {
  private subscribed = false;
  private up = false;

  constructor(
    private readonly sub: RedisClient,
    private readonly channels: readonly string[],
    private readonly listener: NoticeListener,
    private readonly log: Logger,
  ) {}

  /** True while notices flow (subscribed and connected). */
  isUp(): boolean {
    return this.up && this.sub.status === "ready";
  }

  async start(): Promise<void> {
    onMessage(this.sub, (channel, text) => {
      if (!this.channels.includes(channel)) return;
      const notice = decodeNotice(text);
      if (notice) this.listener.notice(notice);
      else this.log.warn({ channel }, "undecodable message notice dropped");
    });
    onSubscriberLost(this.sub, () => {
      if (!this.up) return;
      this.up = false;
      this.listener.lost();
    });
    onResubscribed(this.sub, () => this.restore());
    await connectRedis(this.sub);
    // One at a time: on a Redis Cluster each log group's channel is on the shard of its slot.
    for (const channel of this.channels) await subscribe(this.sub, channel);
    this.subscribed = true;
    this.up = true;
  }

  async close(): Promise<void> {
    this.subscribed = false;
    this.up = false;
    await closeRedis(this.sub);
  }

  private restore(): void {
    if (!this.subscribed || this.sub.status !== "ready") return;
    this.up = true;
    this.listener.restored();
  }
}
