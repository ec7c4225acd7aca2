/**
 * Lua scripts of the Redis registry: each membership change and its epoch bump happen in one
 * atomic step, so every process that reads epoch E sees the same member set.
 * KEYS: leases (zset id -> expiry ms), info (hash id -> JSON), epoch (counter).
 */

/** ARGV: id, prune-before (ms; 0 prunes nobody), expiry, info JSON, channel, publish command (PUBLISH, or SPUBLISH on a Redis Cluster). Renews the lease, prunes members expired before it. Returns the epoch. */
export const HEARTBEAT = `
local joined = redis.call('ZADD', KEYS[1], ARGV[3], ARGV[1])
redis.call('HSET', KEYS[2], ARGV[1], ARGV[4])
local expired = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', '(' .. ARGV[2])
if #expired > 0 then
  redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. ARGV[2])
  redis.call('HDEL', KEYS[2], unpack(expired))
end
if joined == 1 or #expired > 0 then
  local epoch = redis.call('INCR', KEYS[3])
  redis.call(ARGV[6], ARGV[5], epoch)
  return epoch
end
return tonumber(redis.call('GET', KEYS[3]) or '0')
`;

/** ARGV: id, channel, publish command. Removes the member at once. */
export const DEREGISTER = `
redis.call('HDEL', KEYS[2], ARGV[1])
if redis.call('ZREM', KEYS[1], ARGV[1]) == 1 then
  redis.call(ARGV[3], ARGV[2], redis.call('INCR', KEYS[3]))
  return 1
end
return 0
`;

/** Returns { epoch, ids, infos } read atomically. */
export const READ = `
local ids = redis.call('ZRANGE', KEYS[1], 0, -1)
local infos = {}
if #ids > 0 then infos = redis.call('HMGET', KEYS[2], unpack(ids)) end
return { redis.call('GET', KEYS[3]) or '0', ids, infos }
`;
