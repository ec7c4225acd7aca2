import type { RedisClient } from "../redis/connect.ts";
import { onMessageBuffer, publish, subscribe, unsubscribe } from "../redis/pubsub.ts";
import type { Namespace } from "socket.io";
import { type BroadcastOptions, ClusterAdapter, type ClusterMessage, type ClusterResponse, MessageType, type Room } from "socket.io-adapter";
import type { PeerTransport } from "../bus/peer-transport.ts";
import type { Logger } from "../log.ts";
import type { RingLookup } from "../ring/ring-view.ts";
import { type AdapterStats, emptyAdapterStats } from "./adapter-stats.ts";
import { ClusterRequests } from "./cluster-requests.ts";
import { ALL_ROOMS, ALL_ROOMS_RESPONSE, type Envelope, encodeEnvelope, encodeOptions, HashChannels, type HashMessage, decodeEnvelope } from "./hash-wire.ts";
import { reachesLocalSocket } from "./local-recipients.ts";
import { isWideFanOut, ownerAlone, roomsByOwner, userRoomKey } from "./room-owners.ts";

/** Options of the hash-mode adapter (`createHashAdapter(pub, sub, options)`). */
export interface HashAdapterOptions {
  /** This member's stable id, as the registry and the ring name it: the name of its channel. Required. */
  memberId: string;
  /** Who owns a routing key (a RingView). Required. */
  ring: RingLookup;
  /** Prefix of the Redis channels; clusters sharing a Redis need distinct keys. Default "ringcast:hash". */
  key?: string;
  /** The routing key of a room, or undefined for rooms broadcast cluster-wide. Default: "user:<id>" -> "<id>". */
  routingKeyOf?: (room: Room) => string | undefined;
  /**
   * The members an emit for a routing key goes to: its owner first, then any member that may
   * still hold its sockets (ringcast's members pass their handoff's answer, which names earlier
   * owners for a while after a ring change). Default: the ring's owner alone.
   */
  holdersOf?: (key: string) => readonly string[];
  /**
   * An emit for users on at least 2 other members, and on more than this share of the other
   * members, is published once to every member (as in broadcast mode) instead of once per owner:
   * one publish that Redis fans out costs less than a send per owner. 1 turns it off. Default 0.5.
   */
  wideFanOut?: number;
  /**
   * How long cluster-wide requests (fetchSockets, serverSideEmit with an ack, allRooms) wait for a
   * member that has not answered (ms); a member the registry dropped is not waited for at all.
   * `io.timeout(ms).fetchSockets()` overrides it per call. Default 5000.
   */
  requestsTimeout?: number;
  /** Direct links to the other members: a message for one member goes over its open link, else through Redis. Default none. */
  peers?: PeerTransport;
  /** Counters to update (what arrives, what reaches a local socket, what is published). Default: a private object. */
  stats?: AdapterStats;
  /** Where undecodable messages and failed publishes are reported. Default: nowhere. */
  log?: Logger;
  /** @deprecated Ignored: the members come from syncMembers (the registry), not from heartbeats. */
  heartbeatInterval?: number;
  /** @deprecated Ignored, as heartbeatInterval. */
  heartbeatTimeout?: number;
}

type Resolved = Required<Omit<HashAdapterOptions, "peers" | "log" | "heartbeatInterval" | "heartbeatTimeout">> & Pick<HashAdapterOptions, "peers" | "log">;

type AckCallback = (err: Error | null, responses: unknown[]) => void;

/**
 * Hash mode: an emit to rooms that all carry a routing key (users' personal rooms) is sent only
 * to the members owning those keys, one message per owner; recipients on this member are served
 * without Redis. Any other emit, and every request (fetchSockets, serverSideEmit, socketsJoin,
 * allRooms, ...), goes to every member. Who the members are comes from the registry
 * (`syncMembers`), so a request waits only for live members, and at most `requestsTimeout`.
 */
export class HashAdapter extends ClusterAdapter {
  private readonly channels: HashChannels;
  private readonly pending = new ClusterRequests();
  /** The other members, as the registry last announced them. */
  private others = new Set<string>();
  private isClosed = false;
  private readonly onRedisMessage = (channel: Buffer, payload: Buffer): void => {
    if (this.subscribed.includes(channel.toString())) this.receive(payload);
  };
  private readonly subscribed: string[];
  private readonly stopListening: () => void;

  constructor(
    nsp: Namespace,
    private readonly pub: RedisClient,
    private readonly sub: RedisClient,
    private readonly options: Resolved,
    members: readonly string[],
  ) {
    super(nsp);
    this.channels = new HashChannels(options.key, nsp.name);
    this.subscribed = [this.channels.all, this.channels.member(options.memberId), this.channels.responses(this.uid)];
    this.syncMembers(members);
    this.stopListening = onMessageBuffer(sub, this.onRedisMessage);
    options.peers?.onMessage((payload) => this.receive(payload));
    // One at a time: on a Redis Cluster, channels of different slots cannot share an SSUBSCRIBE.
    for (const channel of this.subscribed) {
      subscribe(sub, channel).catch((err: Error) => options.log?.error({ err: err.message, channel }, "hash adapter could not subscribe"));
    }
  }

  get closed(): boolean {
    return this.isClosed;
  }

  override async broadcast(packet: unknown, opts: BroadcastOptions): Promise<void> {
    const { memberId, ring, routingKeyOf, holdersOf, wideFanOut } = this.options;
    const owners = opts.flags?.local ? undefined : roomsByOwner(opts.rooms, routingKeyOf, holdersOf);
    if (!owners || isWideFanOut(owners, memberId, ring.size, wideFanOut)) return super.broadcast(packet, opts);
    for (const [owner, rooms] of owners) {
      if (owner === memberId) continue;
      this.options.stats.published++;
      const data = { packet, opts: encodeOptions({ ...opts, rooms: new Set(rooms) }) };
      this.sendToMember(owner, { type: MessageType.BROADCAST, data, uid: this.uid, nsp: this.nsp.name });
    }
    // Local sockets get it whatever the ring says: a user may still be here while moving.
    return super.broadcast(packet, { ...opts, flags: { ...opts.flags, local: true } });
  }

  /** A server-side event for the given members only (serverSideEmit reaches every member). */
  serverSideEmitTo(memberIds: Iterable<string>, packet: unknown[]): void {
    for (const member of memberIds) {
      if (member === this.options.memberId) continue;
      this.sendToMember(member, { type: MessageType.SERVER_SIDE_EMIT, data: { packet }, uid: this.uid, nsp: this.nsp.name });
    }
  }

  /** The registry's member set: requests stop waiting for members that left. */
  syncMembers(memberIds: readonly string[]): void {
    const next = new Set(memberIds.filter((id) => id !== this.options.memberId));
    const gone = [...this.others].filter((id) => !next.has(id));
    this.others = next;
    this.pending.forget(gone);
  }

  override serverCount(): Promise<number> {
    return Promise.resolve(this.others.size + 1);
  }

  override async fetchSockets(opts: BroadcastOptions): Promise<unknown[]> {
    const sockets: unknown[] = await super.fetchSockets({ ...opts, flags: { ...opts.flags, local: true } });
    if (opts.flags?.local || this.others.size === 0) return sockets;
    return new Promise((resolve, reject) => {
      const requestId = this.pending.open(this.others, opts.flags?.timeout ?? this.options.requestsTimeout, {
        answer: (found) => sockets.push(...(Array.isArray(found) ? found : [])),
        complete: () => resolve(sockets),
        expire: (missing) => reject(new Error(`fetchSockets timed out: ${missing} member(s) did not answer`)),
      });
      this.publish({ type: MessageType.FETCH_SOCKETS, data: { opts: encodeOptions(opts), requestId } });
    });
  }

  override async serverSideEmit(packet: unknown[]): Promise<void> {
    if (typeof packet.at(-1) !== "function") return super.serverSideEmit(packet);
    const ack = packet.pop() as AckCallback;
    const responses: unknown[] = [];
    if (this.others.size === 0) return ack(null, responses);
    const requestId = this.pending.open(this.others, this.options.requestsTimeout, {
      answer: (response) => responses.push(response),
      complete: () => ack(null, responses),
      expire: (missing) => ack(new Error(`serverSideEmit timed out: ${missing} member(s) did not answer`), responses),
    });
    this.publish({ type: MessageType.SERVER_SIDE_EMIT, data: { requestId, packet } });
  }

  /** Every room on every member (as @socket.io/redis-adapter's allRooms). */
  async allRooms(): Promise<Set<Room>> {
    const rooms = new Set(this.rooms.keys());
    if (this.others.size === 0) return rooms;
    return new Promise((resolve, reject) => {
      const requestId = this.pending.open(this.others, this.options.requestsTimeout, {
        answer: (theirs) => {
          for (const room of Array.isArray(theirs) ? theirs : []) if (typeof room === "string") rooms.add(room);
        },
        complete: () => resolve(rooms),
        expire: (missing) => reject(new Error(`allRooms timed out: ${missing} member(s) did not answer`)),
      });
      this.send(this.channels.all, { type: ALL_ROOMS, data: { requestId }, uid: this.uid, nsp: this.nsp.name });
    });
  }

  override close(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    this.pending.close();
    this.stopListening();
    for (const channel of this.subscribed) unsubscribe(this.sub, channel).catch(() => undefined);
    super.close();
  }

  protected override doPublish(message: ClusterMessage): Promise<string> {
    if (message.type === MessageType.BROADCAST) this.options.stats.published++;
    this.send(this.channels.all, message);
    return Promise.resolve("");
  }

  protected override doPublishResponse(requesterUid: string, response: ClusterResponse): Promise<void> {
    this.send(this.channels.responses(requesterUid), response);
    return Promise.resolve();
  }

  /** Over the peer link when one is open, else on the member's Redis channel. */
  private sendToMember(memberId: string, message: HashMessage): void {
    const payload = encodeEnvelope(message, this.options.memberId);
    if (this.options.peers?.send(memberId, payload)) return;
    this.publishPayload(this.channels.member(memberId), payload);
  }

  private send(channel: string, message: HashMessage): void {
    this.publishPayload(channel, encodeEnvelope(message, this.options.memberId));
  }

  private publishPayload(channel: string, payload: Buffer): void {
    publish(this.pub, channel, payload).catch((err: Error) => this.options.log?.warn({ err: err.message, channel }, "publish failed"));
  }

  /** Never throws: a bad payload is logged and dropped. */
  private receive(payload: Buffer): void {
    if (this.isClosed) return;
    try {
      const message = decodeEnvelope(payload);
      if (!message) throw new Error("not an adapter message");
      if (message.nsp === this.nsp.name && message.uid !== this.uid) this.dispatch(message);
    } catch (err) {
      this.options.log?.warn({ err: (err as Error).message }, "dropped an undecodable adapter message");
    }
  }

  private dispatch(message: Envelope): void {
    switch (message.type) {
      case ALL_ROOMS:
        return this.send(this.channels.responses(message.uid), {
          type: ALL_ROOMS_RESPONSE,
          data: { requestId: message.data.requestId, rooms: [...this.rooms.keys()] },
          uid: this.uid,
          nsp: this.nsp.name,
        });
      case ALL_ROOMS_RESPONSE:
        return this.pending.answer(message.data.requestId, message.from, message.data.rooms);
      case MessageType.FETCH_SOCKETS_RESPONSE:
        return this.pending.answer(message.data.requestId, message.from, message.data.sockets);
      case MessageType.SERVER_SIDE_EMIT_RESPONSE:
        return this.pending.answer(message.data.requestId, message.from, message.data.packet);
      case MessageType.BROADCAST_CLIENT_COUNT:
      case MessageType.BROADCAST_ACK:
        return this.onResponse(message);
      case MessageType.BROADCAST:
        this.count(message);
        return this.onMessage(message);
      default:
        return this.onMessage(message);
    }
  }

  private count(message: Extract<ClusterMessage, { type: MessageType.BROADCAST }>): void {
    this.options.stats.received++;
    const { rooms, except } = message.data.opts;
    if (reachesLocalSocket(this, rooms, except)) this.options.stats.deliveredLocally++;
  }
}

/** What `createHashAdapter` returns: the factory for `new Server({ adapter })`, with the member hooks. */
export interface HashAdapterFactory {
  (nsp: Namespace): HashAdapter;
  /** Tells every namespace's adapter the registry's member set (call it on every ring change). */
  syncMembers(memberIds: readonly string[]): void;
  /** A server-side event for the given members, on the main namespace. */
  serverSideEmitTo(memberIds: Iterable<string>, packet: unknown[]): void;
}

/**
 * The hash adapter for `new Server({ adapter })`, as @socket.io/redis-adapter's createAdapter:
 * the caller passes its clients (`sub` must be a dedicated connection) and feeds the member set
 * with `syncMembers` (until then each member counts only itself).
 */
export function createHashAdapter(pub: RedisClient, sub: RedisClient, options: HashAdapterOptions): HashAdapterFactory {
  const resolved: Resolved = {
    memberId: options.memberId,
    ring: options.ring,
    key: options.key ?? "ringcast:hash",
    routingKeyOf: options.routingKeyOf ?? userRoomKey,
    holdersOf: options.holdersOf ?? ownerAlone(options.ring),
    wideFanOut: options.wideFanOut ?? 0.5,
    requestsTimeout: options.requestsTimeout ?? 5000,
    stats: options.stats ?? emptyAdapterStats(),
    peers: options.peers,
    log: options.log,
  };
  const adapters = new Set<HashAdapter>();
  let members: readonly string[] = [];
  const live = (): HashAdapter[] => {
    for (const adapter of adapters) if (adapter.closed) adapters.delete(adapter);
    return [...adapters];
  };
  // A plain function: Socket.IO calls the adapter option with `new`, which arrow functions refuse.
  const factory = function hashAdapter(nsp: Namespace): HashAdapter {
    const adapter = new HashAdapter(nsp, pub, sub, resolved, members);
    adapters.add(adapter);
    return adapter;
  };
  factory.syncMembers = (memberIds: readonly string[]) => {
    members = [...memberIds];
    for (const adapter of live()) adapter.syncMembers(members);
  };
  factory.serverSideEmitTo = (memberIds: Iterable<string>, packet: unknown[]) => {
    for (const adapter of live()) if (adapter.nsp.name === "/") adapter.serverSideEmitTo(memberIds, packet);
  };
  return factory;
}
