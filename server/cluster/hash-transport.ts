import type { RedisClient } from "../redis/connect.ts";
import type { AdapterStats } from "../adapter/adapter-stats.ts";
import { createHashAdapter, type HashAdapterFactory } from "../adapter/hash-adapter.ts";
import { PeerCredentials } from "../bus/peer-credentials.ts";
import { PeerLinks } from "../bus/peer-links.ts";
import type { Logger } from "../log.ts";
import type { Registry } from "../registry/registry.ts";
import { RingView } from "../ring/ring-view.ts";

export interface HashTransportOptions {
  memberId: string;
  /** Announces the member set; the ring is rebuilt from each announcement. */
  registry: Pick<Registry, "onChange">;
  virtualNodes: number;
  /** The adapter's publishing and subscribing connections (given, never built here). */
  pub: RedisClient;
  sub: RedisClient;
  /** Prefix of the adapter's Redis channels. */
  key: string;
  stats: AdapterStats;
  log: Logger;
  /** Signs direct member-to-member links; undefined: everything through Redis. */
  peerSecret: string | undefined;
  routingKeyOf?: (room: string) => string | undefined;
  /** Who may hold a routing key's sockets (default: its owner alone); see HashAdapterOptions. */
  holdersOf?: (key: string) => readonly string[];
  requestsTimeout?: number;
}

/** The ring, the peer links and the hash adapter of one hash-mode member. */
export interface HashTransport {
  ring: RingView;
  peers: PeerLinks | undefined;
  adapter: HashAdapterFactory;
}

/**
 * What every hash-mode member is built on, the product's (hashMode) and a library user's
 * (joinCluster): the ring kept by the registry, the peer links, and the hash adapter, wired so the
 * adapter's member set and the links follow the ring.
 */
export function hashTransport(options: HashTransportOptions): HashTransport {
  const { memberId, log } = options;
  const ring = new RingView(options.registry, options.virtualNodes);
  const peers = options.peerSecret
    ? new PeerLinks({ selfId: memberId, urlOf: (id) => ring.urlOf(id), credentials: new PeerCredentials(options.peerSecret), log })
    : undefined;
  const adapter = createHashAdapter(options.pub, options.sub, {
    memberId,
    ring,
    key: options.key,
    stats: options.stats,
    peers,
    log,
    ...(options.routingKeyOf ? { routingKeyOf: options.routingKeyOf } : {}),
    ...(options.holdersOf ? { holdersOf: options.holdersOf } : {}),
    ...(options.requestsTimeout !== undefined ? { requestsTimeout: options.requestsTimeout } : {}),
  });
  ring.onChange(({ current }) => {
    // Requests stop waiting for members the registry dropped; links follow the ring.
    adapter.syncMembers(current.members);
    peers?.retain(current.members);
  });
  return { ring, peers, adapter };
}
