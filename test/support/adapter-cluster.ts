import { createServer } from "node:http";
import type { RedisClient } from "../../server/redis/connect.ts";
import { testRedisClient } from "./redis.ts";
import type { AddressInfo } from "node:net";
import { Server } from "socket.io";
import { type AdapterStats, emptyAdapterStats } from "../../server/adapter/adapter-stats.ts";
import { createBroadcastAdapter } from "../../server/adapter/broadcast-adapter.ts";
import { createHashAdapter } from "../../server/adapter/hash-adapter.ts";
import { PeerCredentials } from "../../server/bus/peer-credentials.ts";
import { PeerLinks } from "../../server/bus/peer-links.ts";
import { createLogger } from "../../server/log.ts";
import type { Membership } from "../../server/registry/registry.ts";
import { RingView } from "../../server/ring/ring-view.ts";
import { eventually } from "./clients.ts";

/** The adapters the contract runs against. */
export type AdapterFlavour = "broadcast" | "hash" | "hash with peer links";
export const ADAPTER_FLAVOURS: AdapterFlavour[] = ["broadcast", "hash", "hash with peer links"];

export interface AdapterMember {
  id: string;
  io: Server;
  url: string;
  /** The adapter's traffic counters. */
  stats: AdapterStats;
  /** Cuts the member off the cluster as a crash would: its Redis connections and peer links drop. */
  kill(): void;
}

/** In-process Socket.IO servers sharing one Redis, each with the adapter under test. */
export interface AdapterCluster {
  members: AdapterMember[];
  /** The registry drops a member (hash mode's member set); broadcast mode learns it from Redis. */
  forget(id: string): void;
  /** Peer links first: io.close() waits for every upgraded connection, the links included. */
  close(): Promise<void>;
}

/** The registry as the ring sees it, announced by hand (no leases, no Redis). */
class AnnouncedRegistry {
  private readonly listeners = new Set<(membership: Membership) => void>();
  private epoch = 0;

  onChange(listener: (membership: Membership) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  announce(members: { id: string; url: string }[]): void {
    const now = new Date().toISOString();
    const membership: Membership = {
      epoch: ++this.epoch,
      members: members.map(({ id, url }) => ({ id, url, mode: "hash", sockets: 0, startedAt: now, lastHeartbeatAt: now })),
    };
    for (const listener of this.listeners) listener(membership);
  }
}

const SECRET = "adapter-contract-secret-of-32-characters-or-more";
const log = createLogger("silent");

interface Built {
  member: AdapterMember;
  peers: PeerLinks | undefined;
  redis: RedisClient[];
}

export async function startAdapterCluster(
  flavour: AdapterFlavour,
  options: { redisUrl: string; key: string; ids: string[]; requestsTimeout: number },
): Promise<AdapterCluster> {
  const registry = new AnnouncedRegistry();
  const built: Built[] = [];
  for (const id of options.ids) built.push(await startMember(flavour, id, registry, options));
  const live = built.map(({ member }) => ({ id: member.id, url: member.url }));
  registry.announce(live);
  if (flavour === "hash with peer links") {
    const linked = () => built.every(({ member, peers }) => options.ids.every((id) => id === member.id || peers!.isLinked(id)));
    await eventually(linked, 5000);
  }
  await new Promise((resolve) => setTimeout(resolve, 200)); // subscriptions settle
  return {
    members: built.map((b) => b.member),
    forget: (id) => registry.announce(live.filter((m) => m.id !== id)),
    close: async () => {
      for (const { peers } of built) peers?.close();
      await Promise.all(built.map(({ member }) => member.io.close()));
      for (const { redis } of built) for (const client of redis) client.disconnect();
    },
  };
}

async function startMember(
  flavour: AdapterFlavour,
  id: string,
  registry: AnnouncedRegistry,
  options: { redisUrl: string; key: string; requestsTimeout: number },
): Promise<Built> {
  const [pub, sub] = [testRedisClient(options.redisUrl), testRedisClient(options.redisUrl)];
  const { key, requestsTimeout } = options;
  const stats = emptyAdapterStats();
  const http = createServer();
  let peers: PeerLinks | undefined;
  let io: Server;
  if (flavour === "broadcast") {
    io = new Server(http, { adapter: createBroadcastAdapter(pub, sub, { key, requestsTimeout, stats }) });
  } else {
    // Wired as a hash member is: the ring from the registry, the adapter's members and links from the ring.
    const ring = new RingView(registry);
    if (flavour === "hash with peer links") {
      peers = new PeerLinks({ selfId: id, urlOf: (m) => ring.urlOf(m), credentials: new PeerCredentials(SECRET), retryMs: 50, log });
    }
    const adapter = createHashAdapter(pub, sub, { memberId: id, ring, key, requestsTimeout, peers, stats, log });
    ring.onChange(({ current }) => {
      adapter.syncMembers(current.members);
      peers?.retain(current.members);
    });
    io = new Server(http, { adapter });
    peers?.start(http);
  }
  await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  const kill = () => {
    peers?.close();
    pub.disconnect();
    sub.disconnect();
  };
  return { member: { id, io, url, stats, kill }, peers, redis: [pub, sub] };
}
