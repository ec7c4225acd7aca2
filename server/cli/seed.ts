/** Loads (or reloads) the demo school into REDIS_URL: `npm run seed`. */
import { isCluster } from "../redis/connect.ts";
import { z } from "zod";
import { claimLogGroups, markDataset } from "../redis/dataset-marker.ts";
import { redisKeys, slotPrefix } from "../redis/keys.ts";
import { defaultLogGroups, logGroups } from "../redis/log-groups.ts";
import { buildDemoSchool, loadSchool } from "../school/demo-school.ts";
import { RedisSchoolStore } from "../school/redis-school-store.ts";
import { parseCli } from "./cli-args.ts";
import { openCliRedis } from "./cli-redis.ts";

parseCli({ usage: "npm run seed", summary: "Loads (or reloads) the demo school into REDIS_URL (or REDIS_SENTINELS) under RINGCAST_REDIS_PREFIX, password RINGCAST_DEMO_PASSWORD.", options: {} });

const env = z
  .object({
    RINGCAST_REDIS_PREFIX: z.string().default("ringcast"),
    RINGCAST_DEMO_PASSWORD: z.string().min(8).default("ringcast-demo"),
    RINGCAST_LOG_GROUPS: z.coerce.number().int().min(1).max(64).optional(),
  })
  .parse(process.env);

const redis = openCliRedis();
try {
  await redis.connect();
  const school = buildDemoSchool();
  const prefix = slotPrefix(env.RINGCAST_REDIS_PREFIX, isCluster(redis));
  const groups = logGroups(prefix, env.RINGCAST_LOG_GROUPS ?? defaultLogGroups(isCluster(redis)));
  await claimLogGroups(redis, prefix, groups.count);
  await loadSchool(new RedisSchoolStore(redis, redisKeys(prefix), groups), school, env.RINGCAST_DEMO_PASSWORD);
  // A new marker after a loss tells running members the data is back (they serve again).
  await markDataset(redis, prefix);
  console.log(`demo school loaded: ${school.users.length} users, ${school.classes.length} classes`);
} catch (err) {
  console.error(`ringcast seed: ${(err as Error).message}`);
  process.exitCode = 1;
} finally {
  redis.disconnect();
}
