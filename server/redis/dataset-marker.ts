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

/**
 * Records how many log groups the dataset's message logs are split into (see log-groups.ts), the
 * first time; throws when it was laid out with another number: a member with another count would
 * read and write other keys, and users would see their history vanish.
 */
export async function claimLogGroups(redis: RedisClient, prefix: string, count: number): Promise<void> {
  const key = `${prefix}:log-groups`;
  await redis.set(key, String(count), "NX");
  const recorded = Number(await redis.get(key));
  if (recorded !== count) {
    throw new Error(`RINGCAST_LOG_GROUPS is ${count}, but the data under prefix '${prefix}' is laid out in ${recorded} log group(s): set RINGCAST_LOG_GROUPS=${recorded}, or load the school under a new RINGCAST_REDIS_PREFIX`);
  }
}

/** The marker now in Redis, or undefined when there is none. Throws when Redis cannot answer. */
export async function readDatasetMarker(redis: RedisClient, prefix: string): Promise<string | undefined> {
  return (await redis.get(datasetMarkerKey(prefix))) ?? undefined;
}
