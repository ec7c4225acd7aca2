import { isCluster, type RedisClient } from "./connect.ts";

/**
 * Pub/sub that works the same on one Redis and on a Redis Cluster. On a cluster every ringcast
 * channel is sharded (SPUBLISH/SSUBSCRIBE): it lives on the shard of its slot, which is the slot
 * of the keys it announces (they share the prefix's hash tag), so a message travels to that one
 * shard instead of every node, and a script can publish it next to the keys it writes.
 */

/** The publish command for scripts (`redis.call(cmd, channel, message)`) on this client's Redis. */
export function publishCommand(client: RedisClient): "PUBLISH" | "SPUBLISH" {
  return isCluster(client) ? "SPUBLISH" : "PUBLISH";
}

/** Resolves with how many subscribers heard it. */
export async function publish(client: RedisClient, channel: string, message: string | Buffer): Promise<number> {
  return Number(await (isCluster(client) ? client.spublish(channel, message) : client.publish(channel, message)));
}

export async function subscribe(client: RedisClient, ...channels: string[]): Promise<void> {
  await (isCluster(client) ? client.ssubscribe(...channels) : client.subscribe(...channels));
}

export async function unsubscribe(client: RedisClient, ...channels: string[]): Promise<void> {
  await (isCluster(client) ? client.sunsubscribe(...channels) : client.unsubscribe(...channels));
}

type TextListener = (channel: string, message: string) => void;
type BufferListener = (channel: Buffer, message: Buffer) => void;

/** Listens to every message the subscriber hears (filter by channel); returns the way to stop. */
export function onMessage(client: RedisClient, listener: TextListener): () => void {
  const event = isCluster(client) ? "smessage" : "message";
  client.on(event, listener);
  return () => void client.off(event, listener);
}

/** As onMessage, with the channel and the message as Buffers (binary payloads). */
export function onMessageBuffer(client: RedisClient, listener: BufferListener): () => void {
  const event = isCluster(client) ? "smessageBuffer" : "messageBuffer";
  client.on(event, listener);
  return () => void client.off(event, listener);
}
