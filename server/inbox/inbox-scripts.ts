/**
 * Lua scripts of the message logs. A log is one Redis Stream per conversation: a class's log (its
 * teacher's messages) and, per recipient, one log per sender of direct messages. Every entry's id
 * comes from one cluster-wide stream, so ids increase across all logs and a reader merges the logs
 * it follows by id. Scripts run atomically: a reader never sees a later id without the earlier ones.
 */

/** Compares two stream ids ("<ms>-<seq>"): true when `a` is after `b`. */
const NEWER = `
local function newer(a, b)
  local ams, aseq = string.match(a, '(%d+)-(%d+)')
  local bms, bseq = string.match(b, '(%d+)-(%d+)')
  ams, aseq, bms, bseq = tonumber(ams), tonumber(aseq), tonumber(bms), tonumber(bseq)
  return ams > bms or (ams == bms and aseq > bseq)
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

/** The logs a reader follows: its classes' logs, then one log per sender of direct messages. */
const FOLLOWED = `
local function followed(classes, senders, classPrefix, directPrefix)
  local streams = {}
  for _, c in ipairs(redis.call('SMEMBERS', classes)) do streams[#streams + 1] = classPrefix .. c end
  for _, s in ipairs(redis.call('SMEMBERS', senders)) do streams[#streams + 1] = directPrefix .. s end
  return streams
end
`;

/**
 * KEYS: the id stream, the conversation's log, its trim watermark, [the recipient's set of direct
 * senders]. ARGV: sender id, payload, most entries kept, oldest id kept by age.
 * Appends one entry whatever the number of recipients. Trims by length and by age with forward
 * reads only (cheap whatever the log's size; at most 100 aged entries per append, the rest at the
 * next one) and records the newest trimmed id: a reader behind it has missed messages.
 */
export const APPEND = `${NEWER}
local id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', 1000, '*', 'm', '')
redis.call('XADD', KEYS[2], id, 's', ARGV[1], 'm', ARGV[2])
if #KEYS > 3 then redis.call('SADD', KEYS[4], ARGV[1]) end
local cut = nil
local excess = redis.call('XLEN', KEYS[2]) - tonumber(ARGV[3])
if excess > 0 then
  local old = redis.call('XRANGE', KEYS[2], '-', '+', 'COUNT', excess)
  cut = old[#old][1]
end
local aged = redis.call('XRANGE', KEYS[2], '-', '(' .. ARGV[4], 'COUNT', 100)
if #aged > 0 and (cut == nil or newer(aged[#aged][1], cut)) then cut = aged[#aged][1] end
if cut then
  local ms, seq = string.match(cut, '(%d+)-(%d+)')
  redis.call('XTRIM', KEYS[2], 'MINID', ms .. '-' .. (tonumber(seq) + 1))
  redis.call('SET', KEYS[3], cut)
end
return id
`;

/**
 * KEYS: the reader's class set, its set of direct senders. ARGV: after id, count, class log
 * prefix, the reader's direct log prefix. Returns { truncated (0/1), id, sender, payload, ... }:
 * the first `count` entries after the id over every followed log, in id order.
 */
export const READ = `${NEWER}${FOLLOWED}${FLATTEN}
local count = tonumber(ARGV[2])
local truncated = 0
local entries = {}
for _, stream in ipairs(followed(KEYS[1], KEYS[2], ARGV[3], ARGV[4])) do
  local watermark = redis.call('GET', stream .. ':trimmed')
  if watermark and newer(watermark, ARGV[1]) then truncated = 1 end
  for _, entry in ipairs(redis.call('XRANGE', stream, '(' .. ARGV[1], '+', 'COUNT', count)) do
    entries[#entries + 1] = entry
  end
end
table.sort(entries, function(a, b) return newer(b[1], a[1]) end)
return flatten(entries, count, { truncated })
`;

/** KEYS and the prefixes (ARGV) as READ. Returns the newest id over every followed log, or "0-0". */
export const TAIL = `${NEWER}${FOLLOWED}
local tail = '0-0'
for _, stream in ipairs(followed(KEYS[1], KEYS[2], ARGV[1], ARGV[2])) do
  local last = redis.call('XREVRANGE', stream, '+', '-', 'COUNT', 1)
  if #last > 0 and newer(last[1][1], tail) then tail = last[1][1] end
end
return tail
`;

/**
 * KEYS and the prefixes as READ; ARGV: before id ("+" for the newest), count, class log prefix,
 * direct log prefix. Returns { id, sender, payload, ... }: the `count` newest entries before the
 * id over every followed log, newest first (history pages; not on the delivery path).
 */
export const READ_BEFORE = `${NEWER}${FOLLOWED}${FLATTEN}
local count = tonumber(ARGV[2])
local from = ARGV[1] == '+' and '+' or '(' .. ARGV[1]
local entries = {}
for _, stream in ipairs(followed(KEYS[1], KEYS[2], ARGV[3], ARGV[4])) do
  for _, entry in ipairs(redis.call('XREVRANGE', stream, from, '-', 'COUNT', count)) do
    entries[#entries + 1] = entry
  end
end
table.sort(entries, function(a, b) return newer(a[1], b[1]) end)
return flatten(entries, count, {})
`;
