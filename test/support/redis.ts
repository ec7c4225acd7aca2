import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import { type AppendFsync, type LocalRedis, startLocalRedis } from "../../server/cli/local-redis.ts";
import { markDataset } from "../../server/redis/dataset-marker.ts";
import { redisKeys } from "../../server/redis/keys.ts";
import { buildDemoSchool, type DemoSchool, loadSchool } from "../../server/school/demo-school.ts";
import { RedisSchoolStore } from "../../server/school/redis-school-store.ts";
import { tempDir } from "./temp.ts";

/** Cheap scrypt for test users: the format and checks are the same, the hashing is fast. */
const TEST_SCRYPT = { N: 1024, r: 8, p: 1 };
export const TEST_PASSWORD = "correct-horse-battery";

let shared: Promise<LocalRedis> | undefined;

/** One real redis-server for the whole run, on a free port (suites keep apart by key prefix). */
export function sharedRedis(): Promise<LocalRedis> {
  shared ??= startLocalRedis();
  return shared;
}

/**
 * A redis-server of its own, with a dump dir so stop({ save: true }) + restart() keeps the data.
 * With `appendFsync`, append-only persistence is on, so even kill() + restart() keeps what the
 * chosen fsync policy promises (the shared Redis stays without persistence, for speed).
 */
export function privateRedis(options: { appendFsync?: AppendFsync } = {}): Promise<LocalRedis> {
  return startLocalRedis({ dir: tempDir("redis"), appendFsync: options.appendFsync });
}

export function uniquePrefix(suite: string): string {
  return `test-${suite}-${randomBytes(4).toString("hex")}`;
}

/** A school of `classes` classes of 30 (students u000, u001, ...), teacher t-<n> for class c-<n>. */
export function buildLargeSchool(classes: number): DemoSchool {
  const school: DemoSchool = { users: [], classes: [] };
  for (let c = 0; c < classes; c++) {
    school.users.push({ id: `t-${c}`, name: `Teacher ${c}`, role: "teacher" });
    const studentIds = Array.from({ length: 30 }, (_, i) => `u${String(c * 30 + i).padStart(3, "0")}`);
    for (const id of studentIds) school.users.push({ id, name: `Student ${id}`, role: "student" });
    school.classes.push({ id: `c-${c}`, name: `Class ${c}`, teacherId: `t-${c}`, studentIds });
  }
  return school;
}

/**
 * Loads the demo school (math-7a: s001-s030; s031-s060 in grade 8), or `school`, under `prefix`,
 * and marks the dataset (as a seeding member does), so members can tell if Redis later loses it.
 */
export async function seedSchool(redisUrl: string, prefix: string, school: DemoSchool = buildDemoSchool()): Promise<void> {
  const redis = new Redis(redisUrl, { lazyConnect: true });
  try {
    await redis.connect();
    await loadSchool(new RedisSchoolStore(redis, redisKeys(prefix)), school, TEST_PASSWORD, TEST_SCRYPT);
    await markDataset(redis, prefix);
  } finally {
    redis.disconnect();
  }
}
