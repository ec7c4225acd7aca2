import type { Redis } from "ioredis";
import { type BroadcastAdapterOptions, createBroadcastAdapter } from "../adapter/broadcast-adapter.ts";
import { allReady, connectRedis } from "../redis/connect.ts";
import type { AdapterFactory, Bus } from "./bus.ts";

/** Redis pub/sub bus: a publishing and a dedicated subscribing connection, given by the caller. */
export class RedisBus implements Bus {
  readonly adapter: AdapterFactory;

  constructor(
    private readonly pub: Redis,
    private readonly sub: Redis,
    options: BroadcastAdapterOptions,
  ) {
    this.adapter = createBroadcastAdapter(pub, sub, options) as unknown as AdapterFactory;
  }

  async start(): Promise<void> {
    await Promise.all([connectRedis(this.pub), connectRedis(this.sub)]);
  }

  isUp(): boolean {
    return allReady([this.pub, this.sub]);
  }

  async close(): Promise<void> {
    await Promise.all([this.pub, this.sub].map((client) => client.quit().catch(() => client.disconnect())));
  }
}
