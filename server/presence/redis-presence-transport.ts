import type { RedisClient } from "../redis/connect.ts";
import type { Logger } from "../log.ts";
import { onMessage, publish, subscribe, unsubscribe } from "../redis/pubsub.ts";
import { onResubscribed } from "../redis/resubscribed.ts";
import type { PresenceListener, PresenceTransport } from "./presence-transport.ts";

export interface RedisPresenceTransportOptions {
  /** The channel is `${prefix}:presence` (e.g. the cluster's Redis key prefix). */
  prefix: string;
  log: Logger;
}

/**
 * The presence channel on Redis pub/sub. Like @socket.io/redis-adapter it takes a publishing
 * client and a subscribing one (which may be shared with other subscribers: messages are filtered
 * by channel) and never builds, connects or closes them.
 */
export class RedisPresenceTransport implements PresenceTransport {
  readonly channel: string;
  private readonly listeners = new Set<PresenceListener>();
  private readonly restoredListeners = new Set<() => void>();
  private subscribed = false;
  private stopRestoring: (() => void) | undefined;
  private stopListening: (() => void) | undefined;
  private failedPublishes = 0;

  private readonly onRedisMessage = (channel: string, message: string): void => {
    if (channel !== this.channel) return;
    for (const listener of this.listeners) listener(message);
  };

  constructor(
    private readonly pub: RedisClient,
    private readonly sub: RedisClient,
    private readonly options: RedisPresenceTransportOptions,
  ) {
    this.channel = `${options.prefix}:presence`;
  }

  async start(): Promise<void> {
    this.stopListening = onMessage(this.sub, this.onRedisMessage);
    this.stopRestoring = onResubscribed(this.sub, () => {
      if (this.subscribed) for (const listener of this.restoredListeners) listener();
    });
    await subscribe(this.sub, this.channel);
    this.subscribed = true;
  }

  async publish(message: string): Promise<void> {
    try {
      await publish(this.pub, this.channel, message);
    } catch (err) {
      // Lost messages are healed by snapshots; one log line per outage is enough.
      if (this.failedPublishes++ === 0) this.options.log.warn({ err: (err as Error).message }, "presence: publish failed");
      return;
    }
    this.failedPublishes = 0;
  }

  onMessage(listener: PresenceListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  onRestored(listener: () => void): () => void {
    this.restoredListeners.add(listener);
    return () => this.restoredListeners.delete(listener);
  }

  async close(): Promise<void> {
    this.subscribed = false;
    this.stopListening?.();
    this.stopRestoring?.();
    if (this.sub.status === "ready") await unsubscribe(this.sub, this.channel).catch(() => undefined);
  }
}
