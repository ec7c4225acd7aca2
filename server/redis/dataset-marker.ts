import type { RedisClient } from "./connect.ts";
import { randomBytes } from "node:crypto";

/**
 * The dataset marker: a random id written once, when a school is first loaded under a prefix. A
 * member remembers the id it found; if Redis later answers without it (emptied by a crash without
 * persistence, flushed, or swapped for another server), the data the member relies on is gone,
 * which it must say instead of treating every user as deleted.
 */
export function datasetMarkerKey(prefix: string): string {
  return `${prefix}:dataset`;
}

/**
 * Writes a new marker unless one exists (a reload of the same dataset keeps its marker), and
 * returns the marker in place.
 */
export async function markDataset(redis: RedisClient, prefix: string): Promise<string> {
  const key = datasetMarkerKey(prefix);
  const id = `${new Date().toISOString()}/${randomBytes(8).toString("hex")}`;
  await redis.set(key, id, "NX");
  return (await redis.get(key)) ?? id;
}

/** The marker now in Redis, or undefined when there is none. Throws when Redis cannot answer. */
export async function readDatasetMarker(redis: RedisClient, prefix: string): Promise<string | undefined> {
  return (await redis.get(datasetMarkerKey(prefix))) ?? undefined;
}
