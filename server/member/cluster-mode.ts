import { createBroadcastAdapter } from "../adapter/broadcast-adapter.ts";
import type { AdapterStats } from "../adapter/adapter-stats.ts";
import { createHashAdapter } from "../adapter/hash-adapter.ts";
import type { Bus } from "../bus/bus.ts";
import { PeerCredentials } from "../bus/peer-credentials.ts";
import { PeerLinks } from "../bus/peer-links.ts";
import { RedisBus } from "../bus/redis-bus.ts";
import type { MemberConfig } from "../config/config.ts";
import type { Logger } from "../log.ts";
import { createRedisClient } from "../redis/connect.ts";
import type { RedisKeys } from "../redis/keys.ts";
import type { Registry } from "../registry/registry.ts";
import { RingView } from "../ring/ring-view.ts";

/** What differs between broadcast and hash mode: the adapter on the bus, and the ring. */
export interface ClusterMode {
  bus: Bus;
  /** The hash ring (hash mode only). */
  ring: RingView | undefined;
  /** A server-side event for some members only (hash mode only). */
  emitToMembers: ((memberIds: Iterable<string>, packet: unknown[]) => void) | undefined;
  /** Direct member-to-member links (hash mode with RINGCAST_PEER_LINKS). */
  peers: PeerLinks | undefined;
}

export function buildClusterMode(
  config: MemberConfig,
  keys: RedisKeys,
  registry: Registry,
  stats: AdapterStats,
  log: Logger,
): ClusterMode {
  const pub = createRedisClient(config.redisUrl, "pub", log);
  const sub = createRedisClient(config.redisUrl, "sub", log);
  if (config.mode === "broadcast") {
    const bus = new RedisBus(pub, sub, (p, s) => createBroadcastAdapter(p, s, { key: keys.adapterKey, stats }));
    return { bus, ring: undefined, emitToMembers: undefined, peers: undefined };
  }
  const ring = new RingView(registry, config.virtualNodes);
  const peers = config.peerLinks
    ? new PeerLinks({ selfId: config.nodeId, urlOf: (id) => ring.urlOf(id), credentials: new PeerCredentials(config.tokenSecret), log })
    : undefined;
  const bus = new RedisBus(pub, sub, (p, s) =>
    createHashAdapter(p, s, { memberId: config.nodeId, ring, key: keys.adapterKey, stats, peers, log }),
  );
  ring.onChange(({ current }) => {
    // Requests waiting on a member the registry dropped complete with what they have.
    bus.adapter.syncMembers(current.members);
    peers?.retain(current.members);
  });
  return { bus, ring, emitToMembers: bus.adapter.serverSideEmitTo, peers };
}
