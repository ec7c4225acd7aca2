import { createHash } from "node:crypto";
import { type RedisKeys, redisKeys } from "./keys.ts";

/** Hash slots of a Redis Cluster. */
const SLOTS = 16384;

/**
 * The message path split into groups of users, so that one deployment spreads over a Redis
 * Cluster's shards. A user belongs to one group for good; a group holds its users' logs, their
 * class sets, a copy of every class log, its own id stream, receipts and notice channels, all
 * under one hash tag. Scripts only ever touch one group, so they never span shards.
 *
 * With one group (a single Redis, Sentinel) the group's keys are the deployment's keys.
 */
export interface LogGroups {
  readonly count: number;
  /** The group of a user. */
  of(userId: string): number;
  /** The group whose id stream gave this message id (its sequence number, modulo the count). */
  ofId(messageId: string): number;
  /** The keys of group `group`. */
  keys(group: number): RedisKeys;
  /** The keys of a user's group. */
  keysOf(userId: string): RedisKeys;
}

/** Log groups laid out under `prefix` (the deployment's, as stored: hash-tagged on a cluster). */
export function logGroups(prefix: string, count: number): LogGroups {
  if (!Number.isInteger(count) || count < 1) throw new Error(`log groups must be a whole number of at least 1, not ${count}`);
  if (count === 1) return singleGroup(redisKeys(prefix));
  const keys = Array.from({ length: count }, (_, g) => redisKeys(groupPrefix(prefix, g, count)));
  const of = (userId: string): number => createHash("sha1").update(userId).digest().readUInt32BE(0) % count;
  return {
    count,
    of,
    ofId: (messageId) => Number(messageId.slice(messageId.indexOf("-") + 1)) % count,
    keys: (group) => keys[group]!,
    keysOf: (userId) => keys[of(userId)]!,
  };
}

/** Users by their group. */
export function splitByGroup(groups: LogGroups, userIds: Iterable<string>): Map<number, string[]> {
  const byGroup = new Map<number, string[]>();
  for (const userId of userIds) {
    const group = groups.of(userId);
    const list = byGroup.get(group);
    if (list) list.push(userId);
    else byGroup.set(group, [userId]);
  }
  return byGroup;
}

/** One group, whose keys are the deployment's own. */
export function singleGroup(keys: RedisKeys): LogGroups {
  return { count: 1, of: () => 0, ofId: () => 0, keys: () => keys, keysOf: () => keys };
}

/**
 * The number of groups when none is configured: one on a single Redis (nothing to spread over),
 * three on a Redis Cluster (one per primary of the smallest cluster; more primaries need more).
 */
export function defaultLogGroups(cluster: boolean): number {
  return cluster ? 3 : 1;
}

/**
 * The prefix of group `group` of `count`: a hash tag of its own, whose slot is among the first of
 * the group's share of the slots (group g of G: from g*16384/G on). `redis-cli --cluster create`
 * gives each primary a contiguous range from such a start, so every primary gets about
 * count/primaries groups; and a reshard, which moves a primary's lowest slots first, moves a group.
 */
export function groupPrefix(prefix: string, group: number, count: number): string {
  const base = prefix.replace(/[{}]/g, "");
  const start = Math.ceil((SLOTS * group) / count);
  const span = Math.max(1, Math.min(256, Math.floor(SLOTS / count / 4)));
  for (let n = 0; ; n++) {
    const tag = `${base}:g${group}.${n}`;
    const slot = keySlot(tag);
    if (slot >= start && slot < start + span) return `{${tag}}`;
  }
}

/** The hash slot of a key (CRC16/XMODEM of its hash tag, or of the whole key, mod 16384). */
export function keySlot(key: string): number {
  const open = key.indexOf("{");
  if (open >= 0) {
    const close = key.indexOf("}", open + 1);
    if (close > open + 1) return crc16(Buffer.from(key.slice(open + 1, close))) % SLOTS;
  }
  return crc16(Buffer.from(key)) % SLOTS;
}

function crc16(bytes: Buffer): number {
  let crc = 0;
  for (const byte of bytes) {
    crc ^= byte << 8;
    for (let bit = 0; bit < 8; bit++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc;
}
