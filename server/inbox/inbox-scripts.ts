/**
 * Lua scripts of the message logs. A log is one Redis Stream per conversation: a class's log (its
 * teacher's messages) and, per recipient, one log per sender of direct messages. Every entry's id
 * comes from its log group's id stream (one group unless the deployment spreads over a Redis
 * Cluster, see redis/log-groups.ts), so ids increase across all the logs a reader follows (they
 * are all in its group) and it merges them by id. Scripts run atomically: a reader never sees a
 * later id without the earlier ones.
 *
 * One index hash keeps, per log, its newest id (field <log>) and the newest id trimmed from it
 * (field <log>:trimmed). A read asks the index about every followed log in one HMGET and reads
 * only the logs with something after the cursor: its cost does not grow with the logs a user
 * follows (its classes, everyone who ever sent it a direct message).
 */

/**
 * Compares two stream ids ("<ms>-<seq>"): true when `a` is after `b`. Digit strings without
 * leading zeros order by length, then as text: no pattern matching or number parsing, which
 * dominated a read's cost.
 */
const NEWER = `
local find, sub = string.find, string.sub
local function later(x, y)
  if #x ~= #y then return #x > #y end
  return x > y
end
local function newer(a, b)
  if a == b then return false end
  local ai, bi = find(a, '-', 1, true), find(b, '-', 1, true)
  local ams, bms = sub(a, 1, ai - 1), sub(b, 1, bi - 1)
  if ams ~= bms then return later(ams, bms) end
  return later(sub(a, ai + 1), sub(b, bi + 1))
end
`;

/**
 * What the index says of some logs: { log, newest id or false, trim watermark or false } each.
 * `summary` (the reader's direct log prefix) adds, last, { false, the newest id and the newest
 * watermark over all of the reader's direct logs, the oldest id its pointer stream still holds },
 * kept by APPEND: a read looks at its direct logs only when that says there is news, and then only
 * at the senders the pointer stream names.
 */
const INDEXED = `
local function indexed(index, logs, summary)
  local fields = {}
  for _, log in ipairs(logs) do
    fields[#fields + 1] = log
    fields[#fields + 1] = log .. ':trimmed'
  end
  if summary then
    fields[#fields + 1] = summary .. '+last'
    fields[#fields + 1] = summary .. '+trimmed'
    fields[#fields + 1] = summary .. '+index-from'
  end
  if #fields == 0 then return {} end
  local known = redis.call('HMGET', index, unpack(fields))
  local out = {}
  for i = 1, #logs do out[i] = { logs[i], known[2 * i - 1], known[2 * i] } end
  if summary then
    local n = 2 * #logs
    out[#out + 1] = { false, known[n + 1], known[n + 2], known[n + 3] }
  end
  return out
end
local function prefixed(prefix, names)
  local logs = {}
  for _, name in ipairs(names) do logs[#logs + 1] = prefix .. name end
  return logs
end
`;

/** Every log a reader follows, indexed: its classes' logs, then one per sender of direct messages. */
const FOLLOWED = `
local function followed(classes, senders, index, classPrefix, directPrefix)
  local logs = prefixed(classPrefix, redis.call('SMEMBERS', classes))
  for _, log in ipairs(prefixed(directPrefix, redis.call('SMEMBERS', senders))) do logs[#logs + 1] = log end
  return indexed(index, logs)
end
`;

/**
 * The next id of a group's id stream. With one group Redis numbers it ("*"). With `count` groups
 * the script does ("<ms>-<seq>", ms from TIME, never below the last id's) and picks the lowest
 * sequence number above the last one that is `group` modulo `count`: a message id alone then
 * names the group whose logs hold it.
 */
const NEXT_ID = `
local function next_id(stream, count, group)
  if count == 1 then return redis.call('XADD', stream, 'MAXLEN', '~', 1000, '*', 'm', '') end
  local now = redis.call('TIME')
  local ms, seq = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000), group
  local last = redis.call('XREVRANGE', stream, '+', '-', 'COUNT', 1)[1]
  if last then
    local lms, lseq = string.match(last[1], '(%d+)-(%d+)')
    lms, lseq = tonumber(lms), tonumber(lseq)
    if lms >= ms then
      ms = lms
      seq = lseq + 1 + ((group - lseq - 1) % count)
    end
  end
  local id = string.format('%.0f-%.0f', ms, seq)
  redis.call('XADD', stream, 'MAXLEN', '~', 1000, id, 'm', '')
  return id
end
`;

/** Appends the first `count` entries to `out` as id, sender, payload (fields s and m, in that order). */
const FLATTEN = `
local function flatten(entries, count, out)
  for i = 1, math.min(count, #entries) do
    local entry = entries[i]
    out[#out + 1] = entry[1]
    out[#out + 1] = entry[2][2]
    out[#out + 1] = entry[2][4]
  end
  return out
end
`;

/**
 * KEYS: the id stream, the conversation's log, the index, the sender's sent index, [the
 * recipient's set of direct senders, its pointer stream]. ARGV: sender id, payload, most entries
 * kept, oldest id kept by age, the sent index's cap, what it keeps of the message (JSON, or "" to
 * write no sent entry), [the recipient's direct log prefix (its summary fields in the index), the
 * pointer stream's cap] or two empty strings, the publish command (PUBLISH, or SPUBLISH on a Redis
 * Cluster), the number of log groups and this log's group (see NEXT_ID), then pairs of a notice
 * channel and the JSON array of the recipients it is for.
 * Appends one entry whatever the number of recipients and publishes the notice that carries it,
 * with the id before it in its log, to each channel: inside the script, so every member hears the
 * notices in id order. Keeps the log's oldest id in the index, so trimming (by length, in steps
 * of a tenth of the cap, and by age: at most 100 aged entries per append, the rest at the next
 * one) runs only when it has work, with forward reads only; it records the newest trimmed id: a
 * reader behind it has missed messages.
 */
export const APPEND = `${NEWER}${NEXT_ID}
local id = next_id(KEYS[1], tonumber(ARGV[10]), tonumber(ARGV[11]))
redis.call('XADD', KEYS[2], id, 's', ARGV[1], 'm', ARGV[2])
local known = redis.call('HMGET', KEYS[3], KEYS[2], KEYS[2] .. ':first')
local prev, first = known[1] or '0-0', known[2] or id
redis.call('HSET', KEYS[3], KEYS[2], id, KEYS[2] .. ':first', first)
-- The sender's own index of what it sent (for the delivery status), capped like a log: written
-- by one append of a message (a class message's other copies pass no entry).
if ARGV[6] ~= '' then redis.call('XADD', KEYS[4], 'MAXLEN', '~', ARGV[5], id, 'i', ARGV[6]) end
local direct = #KEYS > 4
if direct then
  redis.call('SADD', KEYS[5], ARGV[1])
  redis.call('HSET', KEYS[3], ARGV[7] .. '+last', id)
  -- The recipient's pointer stream: which sender's log has each new direct message. Trimmed to
  -- its cap in steps; the oldest id it still holds tells readers from how far back it can be trusted.
  redis.call('XADD', KEYS[6], id, 's', ARGV[1])
  local cap = tonumber(ARGV[8])
  if redis.call('XLEN', KEYS[6]) > cap + math.floor(cap / 10) then
    redis.call('XTRIM', KEYS[6], 'MAXLEN', cap)
    redis.call('HSET', KEYS[3], ARGV[7] .. '+index-from', redis.call('XRANGE', KEYS[6], '-', '+', 'COUNT', 1)[1][1])
  end
end
local head = '{"id":"' .. id .. '","prev":"' .. prev .. '","message":' .. ARGV[2] .. ',"users":'
for i = 12, #ARGV, 2 do redis.call(ARGV[9], ARGV[i], head .. ARGV[i + 1] .. '}') end
-- Trimmed in steps of a tenth of the cap, or once the oldest entry is past the age limit: most
-- appends only count the log.
local keep = tonumber(ARGV[3])
local excess = redis.call('XLEN', KEYS[2]) - keep
if excess <= math.floor(keep / 10) and not newer(ARGV[4], first) then return id end
local cut = nil
if excess > 0 then
  local old = redis.call('XRANGE', KEYS[2], '-', '+', 'COUNT', excess)
  cut = old[#old][1]
end
local aged = redis.call('XRANGE', KEYS[2], '-', '(' .. ARGV[4], 'COUNT', 100)
if #aged > 0 and (cut == nil or newer(aged[#aged][1], cut)) then cut = aged[#aged][1] end
if cut then
  local ms, seq = string.match(cut, '(%d+)-(%d+)')
  redis.call('XTRIM', KEYS[2], 'MINID', ms .. '-' .. (tonumber(seq) + 1))
  redis.call('HSET', KEYS[3], KEYS[2] .. ':trimmed', cut, KEYS[2] .. ':first', redis.call('XRANGE', KEYS[2], '-', '+', 'COUNT', 1)[1][1])
  if direct then
    local newest = redis.call('HGET', KEYS[3], ARGV[7] .. '+trimmed')
    if not newest or newer(cut, newest) then redis.call('HSET', KEYS[3], ARGV[7] .. '+trimmed', cut) end
  end
end
return id
`;

/**
 * KEYS: the reader's class set, its set of direct senders, the index, its pointer stream. ARGV:
 * after id, count, class log prefix, the reader's direct log prefix. Returns { truncated (0/1), id, sender,
 * payload, ... }: the first `count` entries after the id over every followed log, in id order.
 */
export const READ = `${NEWER}${INDEXED}${FLATTEN}
local after, count = ARGV[1], tonumber(ARGV[2])
local truncated = 0
local entries = {}
local function collect(logs)
  for _, log in ipairs(logs) do
    if log[3] and newer(log[3], after) then truncated = 1 end
    if log[1] and log[2] and newer(log[2], after) then
      for _, entry in ipairs(redis.call('XRANGE', log[1], '(' .. after, '+', 'COUNT', count)) do entries[#entries + 1] = entry end
    end
  end
end
local classes = indexed(KEYS[3], prefixed(ARGV[3], redis.call('SMEMBERS', KEYS[1])), ARGV[4])
local direct = table.remove(classes)
collect(classes)
if direct[3] and newer(direct[3], after) then truncated = 1 end
if direct[2] and newer(direct[2], after) then
  if direct[4] and newer(direct[4], after) then
    -- The pointers no longer reach back to the cursor: ask every direct log.
    collect(indexed(KEYS[3], prefixed(ARGV[4], redis.call('SMEMBERS', KEYS[2]))))
  else
    -- Every pointer after the cursor (the stream is capped, so this is bounded): the senders
    -- with news, even when the messages some pointers name were trimmed since.
    local pointers = redis.call('XRANGE', KEYS[4], '(' .. after, '+')
    local seen, senders = {}, {}
    for _, pointer in ipairs(pointers) do
      local sender = pointer[2][2]
      if not seen[sender] then
        seen[sender] = true
        senders[#senders + 1] = sender
      end
    end
    for _, log in ipairs(prefixed(ARGV[4], senders)) do
      for _, entry in ipairs(redis.call('XRANGE', log, '(' .. after, '+', 'COUNT', count)) do entries[#entries + 1] = entry end
    end
  end
end
table.sort(entries, function(a, b) return newer(b[1], a[1]) end)
return flatten(entries, count, { truncated })
`;

/** KEYS and the prefixes (ARGV) as READ. Returns the newest id over every followed log, or "0-0". */
export const TAIL = `${NEWER}${INDEXED}
local tail = '0-0'
for _, log in ipairs(indexed(KEYS[3], prefixed(ARGV[1], redis.call('SMEMBERS', KEYS[1])), ARGV[2])) do
  if log[2] and newer(log[2], tail) then tail = log[2] end
end
return tail
`;

/**
 * KEYS as READ; ARGV: before id ("+" for the newest), count, class log prefix, direct log prefix.
 * Returns { id, sender, payload, ... }: the `count` newest entries before the id over every
 * followed log, newest first (history pages; not on the delivery path).
 */
export const READ_BEFORE = `${NEWER}${INDEXED}${FOLLOWED}${FLATTEN}
local count = tonumber(ARGV[2])
local from = ARGV[1] == '+' and '+' or '(' .. ARGV[1]
local entries = {}
for _, log in ipairs(followed(KEYS[1], KEYS[2], KEYS[3], ARGV[3], ARGV[4])) do
  if log[2] then
    for _, entry in ipairs(redis.call('XREVRANGE', log[1], from, '-', 'COUNT', count)) do
      entries[#entries + 1] = entry
    end
  end
end
table.sort(entries, function(a, b) return newer(a[1], b[1]) end)
return flatten(entries, count, {})
`;
