/**
 * Fills a durable system's message logs to their retention cap before it is measured, so the
 * benchmark runs in the state a school runs in after a while (every busy log full, each append
 * trimming one), not in the empty one a fresh Redis gives. Written through the product's own
 * store (RedisInbox.append: the same script, index, pointers and ids as a member's sends), many
 * appends in flight, without notices: nobody is connected yet, and sessions start after the tail.
 */
import { performance } from "node:perf_hooks";
import { Cluster, Redis } from "ioredis";
import type { MessageDraft } from "../server/inbox/inbox.ts";
import { RedisInbox } from "../server/inbox/redis-inbox.ts";
import type { Target } from "../server/messaging/message.ts";
import type { RedisClient } from "../server/redis/connect.ts";
import type { DemoSchool } from "../server/school/demo-school.ts";
import { testGroups, testTarget } from "../test/support/redis.ts";
import type { Conversation } from "./load/protocol.ts";

export interface PrefillPlan {
  school: DemoSchool;
  /** The direct conversations the unicast scenarios use. */
  conversations: Conversation[];
  /** The members' retention: entries kept per log, and by age (RINGCAST_INBOX_MAX_LENGTH, _MAX_AGE_MS). */
  maxLength: number;
  maxAgeMs: number;
  /** Bounds: at most this many entries in all, and this long. */
  maxEntries: number;
  maxMs: number;
}

export interface PrefillSummary {
  maxLength: number;
  /** Logs at their cap after the fill (read back with XLEN), of those planned. */
  classLogs: { full: number; planned: number };
  directLogs: { full: number; planned: number };
  entries: number;
  ms: number;
  /** Set when a bound stopped the fill before every planned log was full. */
  stoppedBy?: "entries" | "time";
}

/** Appends in flight at once (ioredis pipelines them on one connection). */
const IN_FLIGHT = 256;

interface PlannedLog {
  key: string;
  from: { id: string; name: string };
  to: Target;
}

export async function prefillLogs(redisUrl: string, prefix: string, plan: PrefillPlan): Promise<PrefillSummary> {
  const redis = fillClient(redisUrl);
  try {
    await redis.connect();
    // On a Redis Cluster: the members' hash-tagged prefix ({prefix}), as test/support/redis.ts knows it.
    const groups = testGroups(redisUrl, prefix);
    const inbox = new RedisInbox(redis, groups, { maxLength: plan.maxLength, maxAgeMs: plan.maxAgeMs });
    const names = new Map(plan.school.users.map((u) => [u.id, u.name]));
    const user = (id: string) => ({ id, name: names.get(id) ?? id });
    // A class log is counted by its copy in its teacher's group; a direct log is in its recipient's.
    const classLogs: PlannedLog[] = plan.school.classes.map((c) => ({ key: groups.keysOf(c.teacherId).classLog(c.id), from: user(c.teacherId), to: { type: "class", id: c.id } }));
    const directLogs: PlannedLog[] = plan.conversations.map((c) => ({ key: groups.keysOf(c.to).directLog(c.to, c.from), from: user(c.from), to: { type: "user", id: c.to } }));
    const started = performance.now();
    const { entries, stoppedBy } = await fill(inbox, [...classLogs, ...directLogs], plan, started);
    const ms = performance.now() - started;
    const full = async (logs: PlannedLog[]): Promise<number> => (await Promise.all(logs.map((l) => redis.xlen(l.key)))).filter((n) => n >= plan.maxLength).length;
    return {
      maxLength: plan.maxLength,
      classLogs: { full: await full(classLogs), planned: classLogs.length },
      directLogs: { full: await full(directLogs), planned: directLogs.length },
      entries,
      ms,
      stoppedBy,
    };
  } finally {
    redis.disconnect();
  }
}

/** One connection pipelining the appends; a Cluster client when `redisUrl` stands for a cluster. */
function fillClient(redisUrl: string): RedisClient {
  const target = testTarget(redisUrl);
  if (target.kind !== "cluster") return new Redis(redisUrl, { enableAutoPipelining: true, lazyConnect: true });
  // No auto-pipelining on a cluster: the appends go to every log group's slot, and ioredis batches
  // a script by its first argument (the key count), mixing slots in one batch, which it refuses.
  return new Cluster(target.nodes, { lazyConnect: true, scaleReads: "master" });
}

/** `maxLength` appends to each log in turn, IN_FLIGHT at a time, until done or a bound is hit. */
async function fill(inbox: RedisInbox, logs: PlannedLog[], plan: PrefillPlan, started: number): Promise<{ entries: number; stoppedBy?: "entries" | "time" }> {
  const planned = logs.length * plan.maxLength;
  const total = Math.min(planned, plan.maxEntries);
  let next = 0;
  let timedOut = false;
  const take = (): MessageDraft | undefined => {
    if (next >= total) return undefined;
    if (performance.now() - started > plan.maxMs) {
      timedOut = true;
      return undefined;
    }
    const n = next++;
    const log = logs[Math.floor(n / plan.maxLength)]!;
    // Bodies of the size the load generator sends; not numbers, so a stray replay is not counted as traffic.
    return { from: log.from, to: log.to, body: `prefilled-${String(n % plan.maxLength).padStart(4, "0")}`, sentAt: new Date().toISOString() };
  };
  const lane = async (): Promise<void> => {
    for (let draft = take(); draft; draft = take()) await inbox.append(draft);
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, lane));
  const stoppedBy = timedOut ? "time" : total < planned ? "entries" : undefined;
  return { entries: next, stoppedBy };
}

/** One line for the log and the report: what was filled, how far, how long it took. */
export function prefillText(s: PrefillSummary): string {
  const bound = s.stoppedBy ? ` (stopped by the ${s.stoppedBy === "time" ? "time" : "entry"} bound)` : "";
  return (
    `${s.classLogs.full}/${s.classLogs.planned} class logs and ${s.directLogs.full}/${s.directLogs.planned} direct conversation logs ` +
    `filled to their cap of ${s.maxLength} (${s.entries.toLocaleString("en-US")} entries in ${(s.ms / 1000).toFixed(1)} s)${bound}`
  );
}
