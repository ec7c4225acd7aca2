import type { Redis } from "ioredis";

/**
 * Calls `listener` each time a subscriber connection is back after a drop, once its
 * subscriptions are active again: ioredis re-subscribes right after "ready", and a PING queued
 * behind those commands answers only then, so nothing published after the call is missed.
 * Not called for the connection's first "ready". Returns a function that stops listening.
 */
export function onResubscribed(sub: Redis, listener: () => void): () => void {
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
