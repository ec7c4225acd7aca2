import { isCluster, type RedisClient } from "./connect.ts";

/**
 * A Cluster's sharded subscribers re-subscribe with no reply to wait for: the listener runs this
 * long after they report ready, when their SSUBSCRIBEs have long been answered.
 */
const CLUSTER_RESUBSCRIBE_SETTLE_MS = 250;

/**
 * Calls `listener` each time a subscriber connection is back after a drop, once its
 * subscriptions are active again: ioredis re-subscribes right after "ready", and a PING queued
 * behind those commands answers only then, so nothing published after the call is missed.
 * Not called for the connection's first "ready". On a Redis Cluster it is called after every
 * change of the sharded subscribers (a node lost, a slot moved by a reshard or a failover):
 * messages published while a channel moved shards reach nobody. Returns a function that stops
 * listening.
 */
export function onResubscribed(sub: RedisClient, listener: () => void): () => void {
  if (isCluster(sub)) return onClusterResubscribed(sub, listener);
  let readyBefore = sub.status === "ready";
  const onReady = (): void => {
    if (!readyBefore) {
      readyBefore = true;
      return;
    }
    setImmediate(() => void sub.ping().then(listener, listener));
  };
  sub.on("ready", onReady);
  return () => void sub.off("ready", onReady);
}

function onClusterResubscribed(sub: RedisClient, listener: () => void): () => void {
  const timers = new Set<NodeJS.Timeout>();
  const onReady = (): void => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      listener();
    }, CLUSTER_RESUBSCRIBE_SETTLE_MS);
    timers.add(timer);
  };
  sub.on("subscribersReady", onReady);
  return () => {
    sub.off("subscribersReady", onReady);
    for (const timer of timers) clearTimeout(timer);
  };
}

/**
 * Calls `listener` when the subscriber may have missed messages: its connection dropped. On a
 * Redis Cluster a channel whose slot moved (a reshard, a failover) is unsubscribed by Redis and
 * subscribed again on its new shard without a drop of this client's own, and messages published
 * in between reach nobody: the sharded subscribers report only that they are ready again, which
 * is called here at once, before anything the new subscription hears can be taken on trust.
 */
export function onSubscriberLost(sub: RedisClient, listener: () => void): () => void {
  const events = isCluster(sub) ? ["-subscriber", "subscribersReady"] : ["close"];
  for (const event of events) sub.on(event, listener);
  return () => {
    for (const event of events) sub.off(event, listener);
  };
}
