import { isCluster, type RedisClient } from "../redis/connect.ts";
import { createShardedAdapter, RedisAdapter } from "@socket.io/redis-adapter";
import { decode } from "notepack.io";
import type { Namespace } from "socket.io";
import type { Adapter, BroadcastOptions, Room } from "socket.io-adapter";
import type { AdapterStats } from "./adapter-stats.ts";
import { reachesLocalSocket } from "./local-recipients.ts";

/** Options of the broadcast-mode adapter (`createBroadcastAdapter(pub, sub, options)`). */
export interface BroadcastAdapterOptions {
  /** Prefix of the Redis channels; clusters sharing a Redis need distinct keys. Default "ringcast:io". */
  key?: string;
  /** How long cluster-wide requests (fetchSockets, serverSideEmit with an ack, allRooms) wait for answers (ms). Default 5000. */
  requestsTimeout?: number;
  /**
   * Counters to update: what this member publishes, what it receives from other members and how
   * much of that reaches a local socket (the cost of broadcasting made visible). Counting decodes
   * every message once more. Default: nothing counted. (On a Redis Cluster, the sharded adapter's
   * own traffic is not counted.)
   */
  stats?: AdapterStats;
}

type Acked = Parameters<RedisAdapter["broadcastWithAck"]>;

/**
 * @socket.io/redis-adapter with its traffic counted: the same adapter, the same wire, overriding
 * its public methods only. `received` counts every broadcast another member published on this
 * namespace, whether or not this member holds its rooms (the adapter itself skips those unread).
 */
export class BroadcastAdapter extends RedisAdapter {
  private readonly channelPrefix: string;
  private readonly onTraffic = (_pattern: Buffer, channel: Buffer, message: Buffer): void => {
    if (channel.toString().startsWith(this.channelPrefix)) this.count(message);
  };

  constructor(
    nsp: Namespace,
    pub: RedisClient,
    private readonly sub: RedisClient,
    key: string,
    requestsTimeout: number,
    private readonly stats: AdapterStats | undefined,
  ) {
    // Answers go to the requester's own channel rather than to every member.
    super(nsp, pub, sub, { key, requestsTimeout, publishOnSpecificResponseChannel: true });
    this.channelPrefix = `${key}#${nsp.name}#`;
    if (stats) sub.on("pmessageBuffer", this.onTraffic);
  }

  override broadcast(packet: unknown, opts: BroadcastOptions): void {
    if (this.stats && !opts.flags?.local) this.stats.published++;
    super.broadcast(packet, opts);
  }

  override broadcastWithAck(...args: Acked): void {
    if (this.stats && !args[1].flags?.local) this.stats.published++;
    super.broadcastWithAck(...args);
  }

  override close(): Promise<void> | void {
    this.sub.off("pmessageBuffer", this.onTraffic);
    return super.close();
  }

  /** Never throws: a message that is not a broadcast is not counted. */
  private count(message: Buffer): void {
    try {
      const value = decode<unknown>(message);
      if (!isBroadcast(value) || value[0] === this.uid) return;
      this.stats!.received++;
      if (reachesLocalSocket(this, value[2].rooms, value[2].except)) this.stats!.deliveredLocally++;
    } catch {
      // Not msgpack: not one of the adapter's broadcasts.
    }
  }
}

type Broadcast = [senderUid: string, packet: unknown, opts: { rooms: Room[]; except: Room[] }];

/** A broadcast as RedisAdapter publishes it: [uid, packet, { rooms, except, flags }]. */
function isBroadcast(value: unknown): value is Broadcast {
  if (!Array.isArray(value) || value.length !== 3 || typeof value[0] !== "string") return false;
  const opts: unknown = value[2];
  return typeof opts === "object" && opts !== null && "rooms" in opts && Array.isArray(opts.rooms) && "except" in opts && Array.isArray(opts.except);
}

/**
 * Broadcast mode, for `new Server({ adapter })`: every emit is published once on Redis and every
 * member checks its local rooms (@socket.io/redis-adapter). Takes its clients instead of building
 * them, as createAdapter does; `sub` must be a dedicated connection. On a Redis Cluster it is the
 * redis-adapter's sharded adapter (SPUBLISH on one shard instead of PUBLISH to every node), on
 * channels named after `key` (give it the keys' hash tag to keep them on one shard).
 */
export function createBroadcastAdapter(pub: RedisClient, sub: RedisClient, options: BroadcastAdapterOptions = {}): (nsp: Namespace) => Adapter {
  const key = options.key ?? "ringcast:io";
  const requestsTimeout = options.requestsTimeout ?? 5000;
  if (isCluster(pub)) return createShardedAdapter(pub, sub, { channelPrefix: key, subscriptionMode: "static" });
  // A plain function: Socket.IO calls the adapter option with `new`, which arrow functions refuse.
  return function broadcastAdapter(nsp: Namespace): BroadcastAdapter {
    return new BroadcastAdapter(nsp, pub, sub, key, requestsTimeout, options.stats);
  };
}
