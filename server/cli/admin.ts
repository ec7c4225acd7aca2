import { isCluster, type RedisClient } from "../redis/connect.ts";
/**
 * Account administration: `npm run admin -- disable|enable|delete <userId>`.
 * disable and delete close the user's live sockets on every member at once (a pub/sub
 * announcement) and refuse the user's tokens from then on; enable lifts either block.
 */
import { z } from "zod";
import { publishSessionEnd, type SessionEndReason } from "../auth/revocations.ts";
import { redisKeys, slotPrefix } from "../redis/keys.ts";
import { defaultLogGroups, logGroups } from "../redis/log-groups.ts";
import { RedisSchoolStore } from "../school/redis-school-store.ts";
import { ID_PATTERN } from "../school/school.ts";
import { parseCli } from "./cli-args.ts";
import { openCliRedis } from "./cli-redis.ts";

const USAGE = "usage: npm run admin -- disable|enable|delete <userId>";

const env = z
  .object({
    RINGCAST_REDIS_PREFIX: z.string().default("ringcast"),
    RINGCAST_LOG_GROUPS: z.coerce.number().int().min(1).max(64).optional(),
  })
  .parse(process.env);

const { positionals } = parseCli({
  usage: "npm run admin -- disable|enable|delete <userId>",
  summary: "Disables, enables or deletes an account; disable and delete close its sockets on every member and refuse its tokens. Reads REDIS_URL (or REDIS_SENTINELS) and RINGCAST_REDIS_PREFIX.",
  positionals: "disable|enable|delete <userId>",
  options: {},
});
const [command, userId] = positionals;
const ENDS: Record<string, SessionEndReason | undefined> = { disable: "account_disabled", delete: "account_deleted", enable: undefined };

async function run(redis: RedisClient, action: string, id: string): Promise<string> {
  const prefix = slotPrefix(env.RINGCAST_REDIS_PREFIX, isCluster(redis));
  const keys = redisKeys(prefix);
  const store = new RedisSchoolStore(redis, keys, logGroups(prefix, env.RINGCAST_LOG_GROUPS ?? defaultLogGroups(isCluster(redis))));
  const done = action === "disable" ? await store.disableUser(id) : action === "delete" ? await store.deleteUser(id) : await store.enableUser(id);
  const reason = ENDS[action];
  if (!done) return action === "enable" ? `${id} was not disabled or deleted` : fail(`no user '${id}'`);
  if (reason) await publishSessionEnd(redis, keys, { userId: id, reason });
  return reason ? `${id} ${action}d: its tokens are refused and its sockets closed` : `${id} enabled`;
}

function fail(message: string): never {
  throw new Error(message);
}

if (!command || !(command in ENDS) || !userId || !ID_PATTERN.test(userId)) {
  console.error(USAGE);
  process.exitCode = 2;
} else {
  const redis = openCliRedis();
  try {
    await redis.connect();
    console.log(await run(redis, command, userId));
  } catch (err) {
    console.error(`ringcast admin: ${(err as Error).message}`);
    process.exitCode = 1;
  } finally {
    redis.disconnect();
  }
}
