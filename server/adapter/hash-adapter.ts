import type { Redis } from "ioredis";
import { decode, encode } from "notepack.io";
import {
  Adapter,
  type BroadcastOptions,
  type ClusterAdapterOptions,
  ClusterAdapterWithHeartbeat,
  type ClusterMessage,
  type ClusterResponse,
  MessageType,
  type Room,
} from "socket.io-adapter";
import type { Namespace } from "socket.io";
import type { PeerTransport } from "../bus/peer-transport.ts";
import type { Logger } from "../log.ts";
import type { RingLookup } from "../ring/ring-view.ts";
import type { AdapterStats } from "./adapter-stats.ts";
import { reachesLocalSocket } from "./local-recipients.ts";

/** Options of the hash-mode adapter. */
export interface HashAdapterOptions {
  /** This member's stable id: its adapter uid and the name of its channel. Required. */
  memberId: string;
  /** Who owns a routing key (a RingView). Required. */
  ring: RingLookup;
  /** Prefix of the Redis channels. Default "ringcast:hash". */
  key?: string;
  /** The routing key of a room, or undefined for rooms broadcast cluster-wide. Default: "user:<id>" -> id. */
  routingKeyOf?: (room: Room) => string | undefined;
  /**
   * An emit for users on at least 2 other members, and on more than this share of the other
   * members, is published once to every member (as in broadcast mode) instead of once per owner:
   * a class spread over the whole cluster reaches nearly every member either way, and one publish
   * that Redis fans out costs less than a send per owner. 1 turns it off. Default 0.5.
   */
  wideFanOut?: number;
  /** Counters to update. Default: a private object. */
  stats?: AdapterStats;
  /** Heartbeats between adapters (ms): interval default 5000, timeout default 10000. */
  heartbeatInterval?: number;
  heartbeatTimeout?: number;
  /**
   * Direct links to the other members: a message for one member goes over its link when it is
   * open, through Redis otherwise. Default none (everything through Redis).
   */
  peers?: PeerTransport;
  log?: Logger;
}

const defaultRoutingKey = (room: Room): string | undefined =>
  typeof room === "string" && room.startsWith("user:") ? room.slice(5) : undefined;

/** Private members of ClusterAdapterWithHeartbeat (socket.io-adapter 2.5.x) the registry drives. */
interface HeartbeatInternals {
  nodesMap: Map<string, number>;
  removeNode(uid: string): void;
}

/**
 * Hash mode: an emit to rooms that all carry a routing key (users' personal rooms) is published
 * only to the members owning those keys, one message per owner; recipients on this member are
 * served locally without Redis. Any other emit, and every request (fetchSockets, serverSideEmit,
 * socketsJoin, ...), goes cluster-wide as in ClusterAdapterWithHeartbeat.
 */
export class HashAdapter extends ClusterAdapterWithHeartbeat {
  private readonly channels: { all: string; mine: string; responses: string };
  private readonly onRedisMessage = (channel: Buffer, payload: Buffer): void => this.receive(channel.toString(), payload);

  constructor(
    nsp: Namespace,
    private readonly pub: Redis,
    private readonly sub: Redis,
    private readonly options: Required<Omit<HashAdapterOptions, "log" | "peers" | keyof ClusterAdapterOptions>> &
      Pick<HashAdapterOptions, "log" | "peers"> &
      ClusterAdapterOptions,
  ) {
    super(nsp, { heartbeatInterval: options.heartbeatInterval, heartbeatTimeout: options.heartbeatTimeout });
    (this as unknown as { uid: string }).uid = options.memberId;
    const base = `${options.key}#${nsp.name}#`;
    this.channels = { all: `${base}all`, mine: `${base}m#${options.memberId}`, responses: `${base}r#${options.memberId}` };
    sub.on("messageBuffer", this.onRedisMessage);
    options.peers?.onMessage((payload) => this.receive(this.channels.mine, payload));
    sub.subscribe(this.channels.all, this.channels.mine, this.channels.responses).catch((err: Error) => {
      options.log?.error({ err: err.message }, "hash adapter could not subscribe");
    });
  }

  override async broadcast(packet: unknown, opts: BroadcastOptions): Promise<void> {
    const owners = opts.flags?.local ? undefined : this.ownersOf(opts.rooms);
    if (!owners || this.isWide(owners)) return super.broadcast(packet, opts);
    for (const [owner, rooms] of owners) {
      if (owner === this.uid) continue;
      this.options.stats.published++;
      const message = { type: MessageType.BROADCAST, data: { packet, opts: encodeOptions({ ...opts, rooms: new Set(rooms) }) } };
      this.sendToMember(owner, { ...message, uid: this.uid, nsp: this.nsp.name } as ClusterMessage);
    }
    // Local sockets get it whatever the ring says: a user may still be here while moving.
    Adapter.prototype.broadcast.call(this, packet, opts);
  }

  /** A server-side event for the given members only (serverSideEmit reaches every member). */
  serverSideEmitTo(memberIds: Iterable<string>, packet: unknown[]): void {
    for (const member of memberIds) {
      if (member === this.uid) continue;
      const message = { type: MessageType.SERVER_SIDE_EMIT, data: { packet }, uid: this.uid, nsp: this.nsp.name };
      this.sendToMember(member, message as ClusterMessage);
    }
  }

  /** Members that joined or left (from the registry): requests stop waiting for departed ones. */
  syncMembers(memberIds: readonly string[]): void {
    const internals = this as unknown as HeartbeatInternals;
    const live = new Set(memberIds);
    for (const uid of [...internals.nodesMap.keys()]) if (!live.has(uid)) internals.removeNode(uid);
    for (const id of live) if (id !== this.uid && !internals.nodesMap.has(id)) internals.nodesMap.set(id, Date.now());
  }

  override close(): void {
    super.close();
    this.sub.off("messageBuffer", this.onRedisMessage);
    this.sub.unsubscribe(this.channels.all, this.channels.mine, this.channels.responses).catch(() => undefined);
  }

  protected override doPublish(message: ClusterMessage): Promise<string> {
    if (message.type === MessageType.BROADCAST) this.options.stats.published++;
    this.publishTo(this.channels.all, message);
    return Promise.resolve("");
  }

  protected override doPublishResponse(requesterUid: string, response: ClusterResponse): Promise<void> {
    this.publishTo(`${this.channelBase()}r#${requesterUid}`, response);
    return Promise.resolve();
  }

  private isWide(owners: Map<string, Room[]>): boolean {
    const remote = owners.size - (owners.has(this.uid) ? 1 : 0);
    return remote >= 2 && remote > (this.options.ring.size - 1) * this.options.wideFanOut;
  }

  /** Groups keyed rooms by owner; undefined when any room has no key or no owner (broadcast then). */
  private ownersOf(rooms: Set<Room>): Map<string, Room[]> | undefined {
    if (rooms.size === 0) return undefined;
    const byOwner = new Map<string, Room[]>();
    for (const room of rooms) {
      const key = this.options.routingKeyOf(room);
      const owner = key === undefined ? undefined : this.options.ring.owner(key);
      if (owner === undefined) return undefined;
      const list = byOwner.get(owner);
      if (list) list.push(room);
      else byOwner.set(owner, [room]);
    }
    return byOwner;
  }

  /** Over the peer link when one is open, else on the member's Redis channel. */
  private sendToMember(memberId: string, message: ClusterMessage): void {
    const payload = encode(message);
    if (this.options.peers?.send(memberId, payload)) return;
    this.publishTo(`${this.channelBase()}m#${memberId}`, payload);
  }

  private publishTo(channel: string, message: ClusterMessage | ClusterResponse | Buffer): void {
    const payload = Buffer.isBuffer(message) ? message : encode(message);
    this.pub.publish(channel, payload).catch((err: Error) => {
      this.options.log?.warn({ err: err.message, channel }, "publish failed");
    });
  }

  private channelBase(): string {
    return `${this.options.key}#${this.nsp.name}#`;
  }

  /** Never throws: a bad payload is logged and dropped. */
  private receive(channel: string, payload: Buffer): void {
    if (channel !== this.channels.all && channel !== this.channels.mine && channel !== this.channels.responses) return;
    try {
      const message = decode<{ nsp: string; uid: string; type: MessageType }>(payload);
      if (message.nsp !== this.nsp.name || message.uid === this.uid) return;
      if (channel === this.channels.responses) return this.onResponse(message as ClusterResponse);
      if (message.type === MessageType.BROADCAST) this.count(message as BroadcastMessage);
      this.onMessage(message as ClusterMessage);
    } catch (err) {
      this.options.log?.warn({ err: (err as Error).message, channel }, "dropped an undecodable adapter message");
    }
  }

  private count(message: BroadcastMessage): void {
    this.options.stats.received++;
    const { rooms, except } = message.data.opts as { rooms: Room[]; except: Room[] };
    if (reachesLocalSocket(this, rooms, except)) this.options.stats.deliveredLocally++;
  }
}

type BroadcastMessage = Extract<ClusterMessage, { type: MessageType.BROADCAST }>;

/** The wire form of BroadcastOptions, as socket.io-adapter's ClusterAdapter encodes it. */
function encodeOptions(opts: BroadcastOptions): { rooms: Room[]; except: Room[]; flags: BroadcastOptions["flags"] } {
  return { rooms: [...opts.rooms], except: [...(opts.except ?? [])], flags: opts.flags };
}

/** Factory for `new Server({ adapter })`; takes its clients (`sub` must be a dedicated connection). */
export function createHashAdapter(pub: Redis, sub: Redis, options: HashAdapterOptions) {
  const resolved = {
    key: "ringcast:hash",
    routingKeyOf: defaultRoutingKey,
    wideFanOut: 0.5,
    stats: { received: 0, deliveredLocally: 0, published: 0 },
    heartbeatInterval: 5000,
    heartbeatTimeout: 10_000,
    ...options,
  };
  const adapters = new Set<HashAdapter>();
  // A plain function: Socket.IO calls the adapter option with `new`, which arrow functions refuse.
  const factory = function hashAdapter(nsp: Namespace): HashAdapter {
    const adapter = new HashAdapter(nsp, pub, sub, resolved);
    adapters.add(adapter);
    return adapter;
  };
  /** A server-side event for the given members, on the main namespace. */
  factory.serverSideEmitTo = (memberIds: Iterable<string>, packet: unknown[]) => {
    for (const adapter of adapters) if (adapter.nsp.name === "/") adapter.serverSideEmitTo(memberIds, packet);
  };
  /** Tells every namespace's adapter the registry's member set. */
  factory.syncMembers = (memberIds: readonly string[]) => {
    for (const adapter of adapters) adapter.syncMembers(memberIds);
  };
  return factory;
}
