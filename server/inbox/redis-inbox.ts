import type { Redis } from "ioredis";
import type { Message } from "../messaging/message.ts";
import { guarded } from "../redis/guard.ts";
import type { RedisKeys } from "../redis/keys.ts";
import { compareIds, type InboxPage, type InboxStore, type MessageDraft } from "./inbox.ts";

export interface RedisInboxOptions {
  /** Most messages kept per user. */
  maxLength: number;
  /** Oldest message kept, by age (ms); older ones are trimmed at the user's next append. */
  maxAgeMs: number;
}

/**
 * KEYS: the cluster-wide id stream, then per recipient its stream and its trim watermark.
 * ARGV: payload, max length, oldest id kept by age. The id comes from XADD * on one stream, so ids
 * increase across the cluster and every recipient's stream accepts it. Trimming is done here, not
 * by XADD MAXLEN, to record the newest trimmed id: a reader behind it has missed messages.
 */
const APPEND = `
local function newer(a, b)
  local ams, aseq = string.match(a, '(%d+)-(%d+)')
  local bms, bseq = string.match(b, '(%d+)-(%d+)')
  ams, aseq, bms, bseq = tonumber(ams), tonumber(aseq), tonumber(bms), tonumber(bseq)
  return ams > bms or (ams == bms and aseq > bseq)
end
local id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', 1000, '*', 'm', '')
for i = 2, #KEYS, 2 do
  local stream, watermark = KEYS[i], KEYS[i + 1]
  redis.call('XADD', stream, id, 'm', ARGV[1])
  local cut = nil
  local excess = redis.call('XLEN', stream) - tonumber(ARGV[2])
  if excess > 0 then
    local old = redis.call('XRANGE', stream, '-', '+', 'COUNT', excess)
    cut = old[#old][1]
  end
  local aged = redis.call('XREVRANGE', stream, '(' .. ARGV[3], '-', 'COUNT', 1)
  if #aged > 0 and (cut == nil or newer(aged[1][1], cut)) then cut = aged[1][1] end
  if cut then
    local kept = redis.call('XRANGE', stream, '(' .. cut, '+', 'COUNT', 1)
    redis.call('XTRIM', stream, 'MINID', kept[1][1])
    redis.call('SET', watermark, cut)
  end
end
return id
`;

/** The client with APPEND defined as a command: sent by its SHA (EVALSHA), not its text, each time. */
type AppendingRedis = Redis & { ringcastAppend(numKeys: number, ...keysAndArgs: (string | number)[]): Promise<unknown> };

/** Per-user Redis Streams, trimmed exactly by length and by age. */
export class RedisInbox implements InboxStore {
  private readonly redis: AppendingRedis;

  constructor(
    redis: Redis,
    private readonly keys: RedisKeys,
    private readonly options: RedisInboxOptions,
  ) {
    redis.defineCommand("ringcastAppend", { lua: APPEND });
    this.redis = redis as AppendingRedis;
  }

  append(draft: MessageDraft, recipientIds: readonly string[]): Promise<string> {
    return this.run(async () => {
      const keys = [this.keys.messageIds, ...recipientIds.flatMap((id) => [this.keys.inbox(id), this.keys.inboxTrimmed(id)])];
      const minId = `${Math.max(0, Date.now() - this.options.maxAgeMs)}-0`;
      const args = [JSON.stringify(draft), this.options.maxLength, minId];
      return String(await this.redis.ringcastAppend(keys.length, ...keys, ...args));
    });
  }

  readAfter(userId: string, afterId: string, count: number): Promise<InboxPage> {
    return this.run(async () => {
      const [entries, trimmed] = await Promise.all([
        this.redis.xrange(this.keys.inbox(userId), `(${afterId}`, "+", "COUNT", count),
        this.redis.get(this.keys.inboxTrimmed(userId)),
      ]);
      const messages = entries.map(([id, fields]) => ({ id, ...(JSON.parse(fields[1] ?? "{}") as MessageDraft) }) as Message);
      return { messages, truncated: trimmed !== null && compareIds(afterId, trimmed) < 0 };
    });
  }

  tail(userId: string): Promise<string> {
    return this.run(async () => {
      const [last] = await this.redis.xrevrange(this.keys.inbox(userId), "+", "-", "COUNT", 1);
      return last?.[0] ?? "0-0";
    });
  }

  private run<T>(operation: () => Promise<T>): Promise<T> {
    return guarded(this.redis, "the message log", operation);
  }
}
