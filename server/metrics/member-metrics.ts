import type { RedisClient } from "../redis/connect.ts";
import type { Registry } from "prom-client";
import type { AdapterStats } from "../adapter/adapter-stats.ts";
import type { MessageCounters } from "./counters.ts";
import { labelledGauge, labelledTotalCounter, processRegistry, readGauge, redisLatency, totalCounter } from "./metrics-registry.ts";

export interface MemberMetricsSources {
  nodeId: string;
  mode: "broadcast" | "hash";
  /** Engine.IO connections open on this member. */
  connections: () => number;
  counters: MessageCounters;
  adapter: AdapterStats;
  /** The membership this member sees: its epoch and size. */
  membership: () => { epoch: number; members: number } | undefined;
  /** Each Redis connection by role (store, registry, watch, bus, ...). */
  redis: { role: string; client: RedisClient }[];
  /** Transports closed for buffering past RINGCAST_MAX_BUFFERED_BYTES. */
  slowConsumersClosed: () => number;
  /** Hash mode with peer links: members this one has an open link to. */
  peerLinksUp?: () => number;
  /** Hash mode: sockets moved to their new owner after ring changes, and still to move. */
  rebalance?: { moved: () => number; pending: () => number };
  /** 1 while the member drains (refuses new sessions, closes its sockets in batches). */
  draining: () => boolean;
}

/** The member's Prometheus registry: process defaults plus what the cluster and the message path did. */
export function memberMetrics(sources: MemberMetricsSources): Registry {
  const registry = processRegistry({ node: sources.nodeId, mode: sources.mode, role: "member" });
  const { counters, adapter } = sources;
  readGauge(registry, "ringcast_connections", "Engine.IO connections open on this member", sources.connections);
  labelledTotalCounter(registry, "ringcast_messages_sent_total", "Messages accepted (stored, then acknowledged), by target", "to", () => Object.entries(counters.sent));
  totalCounter(registry, "ringcast_messages_delivered_total", "Messages sent to a socket of this member (live or replayed)", () => counters.delivered);
  totalCounter(registry, "ringcast_messages_replayed_total", "Of those, sent by a socket's first read after it connected (a resume)", () => counters.replayed);
  labelledTotalCounter(registry, "ringcast_refused_total", "REST requests and socket events refused, by error code", "code", () => counters.refused.entries());
  totalCounter(registry, "ringcast_adapter_received_total", "Cluster messages received from other members", () => adapter.received);
  totalCounter(registry, "ringcast_adapter_used_total", "Of those, the ones that reached a local socket", () => adapter.deliveredLocally);
  totalCounter(registry, "ringcast_adapter_published_total", "Cluster messages this member published", () => adapter.published);
  readGauge(registry, "ringcast_membership_epoch", "Membership (in hash mode, ring) epoch this member sees", () => sources.membership()?.epoch ?? 0);
  readGauge(registry, "ringcast_members", "Live members this member sees", () => sources.membership()?.members ?? 0);
  labelledGauge(registry, "ringcast_redis_up", "1 while the Redis connection of this role is ready", "connection", () => sources.redis.map(({ role, client }) => [role, client.status === "ready" ? 1 : 0]));
  redisLatency(registry, sources.redis);
  readGauge(registry, "ringcast_draining", "1 while the member drains", () => (sources.draining() ? 1 : 0));
  if (sources.rebalance) {
    totalCounter(registry, "ringcast_rebalance_moved_total", "Sockets closed so their users reconnect to the new owner", sources.rebalance.moved);
    readGauge(registry, "ringcast_rebalance_pending", "Sockets still to be moved by the rebalance under way", sources.rebalance.pending);
  }
  totalCounter(registry, "ringcast_slow_consumers_closed_total", "Transports closed for buffering past RINGCAST_MAX_BUFFERED_BYTES", sources.slowConsumersClosed);
  if (sources.peerLinksUp) readGauge(registry, "ringcast_peer_links_up", "Members this one has an open peer link to", sources.peerLinksUp);
  return registry;
}
