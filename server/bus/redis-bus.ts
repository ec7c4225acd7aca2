import { allReady, closeRedis, connectRedis, type RedisClient } from "../redis/connect.ts";
import { onResubscribed } from "../redis/resubscribed.ts";
import type { AdapterFactory, Bus } from "./bus.ts";

/**
 * Redis pub/sub bus: a publishing and a dedicated subscribing connection, given by the caller,
 * and the adapter (broadcast or hash) built on them.
 */
export class RedisBus<A extends AdapterFactory = AdapterFactory> implements Bus {
  readonly adapter: A;

  constructor(
    private readonly pub: RedisClient,
    private readonly sub: RedisClient,
    buildAdapter: (pub: RedisClient, sub: RedisClient) => A,
  ) {
    this.adapter = buildAdapter(pub, sub);
  }

  async start(): Promise<void> {
    await Promise.all([connectRedis(this.pub), connectRedis(this.sub)]);
  }

  isUp(): boolean {
    return allReady([this.pub, this.sub]);
  }

  onRestored(listener: () => void): void {
    onResubscribed(this.sub, listener);
  }

  async close(): Promise<void> {
    await Promise.all([this.pub, this.sub].map(closeRedis));
  }
}
