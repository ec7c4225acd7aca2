import type { RedisClient } from "../redis/connect.ts";
import { type LogGroups, splitByGroup } from "../redis/log-groups.ts";
import { guarded } from "../redis/guard.ts";
import { compareIds } from "./inbox.ts";

/** KEYS: a log group's receipts hash. ARGV: user, id, ... Raises each user's position, never lowers it. */
const ADVANCE = `
local function later(x, y)
  if #x ~= #y then return #x > #y end
  return x > y
end
local function newer(a, b)
  local ai, bi = string.find(a, '-', 1, true), string.find(b, '-', 1, true)
  local ams, bms = string.sub(a, 1, ai - 1), string.sub(b, 1, bi - 1)
  if ams ~= bms then return later(ams, bms) end
  return later(string.sub(a, ai + 1), string.sub(b, bi + 1))
end
local known = {}
for i = 1, #ARGV, 2 do known[#known + 1] = ARGV[i] end
local was = redis.call('HMGET', KEYS[1], unpack(known))
local set = {}
for i = 1, #known do
  local id = ARGV[2 * i]
  if not was[i] or newer(id, was[i]) then
    set[#set + 1] = known[i]
    set[#set + 1] = id
  end
end
if #set > 0 then redis.call('HSET', KEYS[1], unpack(set)) end
return #set / 2
`;

type ScriptedRedis = RedisClient & { ringcastAdvanceReceipts(key: string, ...userAndIdPairs: string[]): Promise<number> };

export interface ReceiptOptions {
  /** How often positions are written (ms): one write per batch, not one per delivery. */
  flushMs: number;
}

/**
 * Delivery receipts as one position per user: the newest message id sent to one of its sockets.
 * Sockets get a user's messages in id order without gaps, so everything up to the position was
 * delivered. Positions are gathered in memory and written in one command per batch.
 */
export class ReceiptCursors {
  private readonly redis: ScriptedRedis;
  private pending = new Map<string, string>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    redis: RedisClient,
    private readonly groups: LogGroups,
    private readonly options: ReceiptOptions = { flushMs: 200 },
  ) {
    redis.defineCommand("ringcastAdvanceReceipts", { numberOfKeys: 1, lua: ADVANCE });
    this.redis = redis as ScriptedRedis;
  }

  /** `userId` was sent everything up to `id` (a user's second socket may be behind its first). */
  advance(userId: string, id: string): void {
    const known = this.pending.get(userId);
    if (known === undefined || compareIds(id, known) > 0) this.pending.set(userId, id);
    this.timer ??= setTimeout(() => void this.flush(), this.options.flushMs);
  }

  /** Writes the gathered positions (best effort: a lost write only understates a receipt). */
  async flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.pending.size === 0) return;
    const batch = this.pending;
    this.pending = new Map();
    if (this.redis.status !== "ready") return;
    await Promise.all(
      [...splitByGroup(this.groups, batch.keys())].map(([group, users]) => {
        const args = users.flatMap((userId) => [userId, batch.get(userId)!]);
        return this.redis.ringcastAdvanceReceipts(this.groups.keys(group).receipts, ...args).catch(() => undefined);
      }),
    );
  }

  /**
   * The users among `userIds` that were delivered a message: whose position reached the message's
   * copy in their log group (`copies`, see SentMessage).
   */
  reached(userIds: readonly string[], copies: readonly string[]): Promise<Set<string>> {
    return guarded(this.redis, "the delivery receipts", async () => {
      const reached = new Set<string>();
      for (const [group, users] of splitByGroup(this.groups, userIds)) {
        const known = await this.redis.hmget(this.groups.keys(group).receipts, ...users);
        users.forEach((userId, i) => {
          if (compareIds(known[i] ?? "0-0", copies[group] ?? "0-0") >= 0) reached.add(userId);
        });
      }
      return reached;
    });
  }

  /** Writes what is pending and stops the timer. */
  close(): Promise<void> {
    return this.flush();
  }
}
