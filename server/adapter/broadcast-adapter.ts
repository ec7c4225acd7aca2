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
  // Remember what the adapter decoded, so counting never decodes a message a second time.
  const decoded = new WeakMap<Uint8Array, Decoded>();
  const parser = {
    encode: (value: unknown) => encode(value),
    decode: (buffer: Buffer) => {
      const value = decode<Decoded>(buffer);
      decoded.set(buffer, value);
      return value;
    },
  };
  const { stats } = options;
  return function broadcastAdapter(nsp: Namespace): RedisAdapter {
    const adapter = new RedisAdapter(nsp, pub, sub, { key, requestsTimeout: options.requestsTimeout ?? 5000, parser });
    if (stats) countTraffic(adapter, sub, `${key}#${nsp.name}#`, decoded, stats);
    return adapter;
  };
}

function countTraffic(adapter: RedisAdapter, sub: Redis, channelPrefix: string, decoded: WeakMap<Uint8Array, Decoded>, stats: AdapterStats): void {
  const broadcast = adapter.broadcast.bind(adapter);
  adapter.broadcast = (packet: unknown, opts: BroadcastOptions) => {
    if (!opts.flags?.local) stats.published++;
    broadcast(packet, opts);
  };
  // Runs after the adapter's own listener (registered in its constructor) has handled the message.
  const onMessage = (_pattern: Buffer, channel: Buffer, message: Buffer): void => {
    if (!channel.toString().startsWith(channelPrefix)) return;
    const args = decoded.get(message);
    if ((args?.[0] ?? senderOf(message)) === adapter.uid) return;
    stats.received++;
    if (args && reachesLocalSocket(adapter, args[2].rooms, args[2].except)) stats.deliveredLocally++;
  };
  sub.on("pmessageBuffer", onMessage);
  const close = adapter.close.bind(adapter);
  adapter.close = () => {
    sub.off("pmessageBuffer", onMessage);
    return close();
  };
}

/**
 * The sender uid of a message the adapter skipped undecoded (a room with no local socket): the
 * message is the msgpack array [uid, packet, opts] and a uid is a short string, so it sits right
 * after the array and string headers.
 */
function senderOf(message: Buffer): string | undefined {
  if (message[0] !== 0x93 || ((message[1] ?? 0) & 0xe0) !== 0xa0) return undefined;
  const length = message[1]! & 0x1f;
  return message.toString("utf8", 2, 2 + length);
}
