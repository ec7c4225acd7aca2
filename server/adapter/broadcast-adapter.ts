import { RedisAdapter } from "@socket.io/redis-adapter";
import type { Redis } from "ioredis";
import { decode, encode } from "notepack.io";
import type { Namespace } from "socket.io";
import type { BroadcastOptions, Room } from "socket.io-adapter";
import type { AdapterStats } from "./adapter-stats.ts";
import { reachesLocalSocket } from "./local-recipients.ts";

/** Options of the broadcast-mode adapter. */
export interface BroadcastAdapterOptions {
  /** Prefix of the Redis channels; clusters sharing a Redis need distinct keys. Default "ringcast:io". */
  key?: string;
  /** How long cluster-wide requests (fetchSockets, serverSideEmit acks) wait for answers (ms). Default 5000. */
  requestsTimeout?: number;
  /** Counters to update (what arrives, what reaches a local socket). Default: none kept. */
  stats?: AdapterStats;
}

type Decoded = [senderUid: string, packet: unknown, opts: { rooms: Iterable<Room>; except: Iterable<Room> }];

/**
 * Broadcast mode: every emit is published once on Redis and every member checks its local rooms
 * (@socket.io/redis-adapter). Takes its clients instead of building them; `sub` must be a
 * dedicated connection. With `stats`, it counts what each member receives and how much of it
 * reaches a local socket: the cost of broadcasting made visible.
 */
export function createBroadcastAdapter(pub: Redis, sub: Redis, options: BroadcastAdapterOptions = {}) {
  const key = options.key ?? "ringcast:io";
  const { stats } = options;
  return function broadcastAdapter(nsp: Namespace): RedisAdapter {
    // The adapter decodes only what may reach a local socket (it skips rooms it does not hold
    // unread): those are the ones to check, here, with no second decode and nothing kept.
    let adapter: RedisAdapter | undefined;
    const parser = {
      encode: (value: unknown) => encode(value),
      decode: (buffer: Buffer) => {
        const value = decode<unknown>(buffer);
        if (stats && adapter && isBroadcast(value) && value[0] !== adapter.uid && reachesLocalSocket(adapter, value[2].rooms, value[2].except)) stats.deliveredLocally++;
        return value;
      },
    };
    adapter = new RedisAdapter(nsp, pub, sub, { key, requestsTimeout: options.requestsTimeout ?? 5000, parser });
    if (stats) countTraffic(adapter, sub, `${key}#${nsp.name}#`, stats);
    return adapter;
  };
}

function countTraffic(adapter: RedisAdapter, sub: Redis, channelPrefix: string, stats: AdapterStats): void {
  const broadcast = adapter.broadcast.bind(adapter);
  adapter.broadcast = (packet: unknown, opts: BroadcastOptions) => {
    if (!opts.flags?.local) stats.published++;
    broadcast(packet, opts);
  };
  // Every message from another member counts as received, decoded by the adapter or not.
  const onMessage = (_pattern: Buffer, channel: Buffer, message: Buffer): void => {
    if (!channel.toString().startsWith(channelPrefix)) return;
    if (senderOf(message) !== adapter.uid) stats.received++;
  };
  sub.on("pmessageBuffer", onMessage);
  const close = adapter.close.bind(adapter);
  adapter.close = () => {
    sub.off("pmessageBuffer", onMessage);
    return close();
  };
}

/** A broadcast as the adapter publishes it (requests and responses share the parser). */
function isBroadcast(value: unknown): value is Decoded {
  return Array.isArray(value) && value.length === 3 && typeof value[0] === "string" && typeof value[2] === "object" && value[2] !== null && "rooms" in value[2];
}

/**
 * The sender uid of a message: the message is the msgpack array [uid, packet, opts] and a uid is a
 * short string, so it sits right after the array and string headers.
 */
function senderOf(message: Buffer): string | undefined {
  if (message[0] !== 0x93 || ((message[1] ?? 0) & 0xe0) !== 0xa0) return undefined;
  const length = message[1]! & 0x1f;
  return message.toString("utf8", 2, 2 + length);
}
