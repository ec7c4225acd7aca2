import type { RedisClient } from "../redis/connect.ts";
import type { ChainableCommander } from "ioredis";
import { ReplicationError } from "../errors.ts";
import type { Message, Target } from "../messaging/message.ts";
import { guarded } from "../redis/guard.ts";
import { publishCommand } from "../redis/pubsub.ts";
import type { RedisKeys } from "../redis/keys.ts";
import { type LogGroups, splitByGroup } from "../redis/log-groups.ts";
import type { HistoryPage, InboxPage, InboxStore, MessageDraft, NoticeRoute, SentMessage } from "./inbox.ts";
import { APPEND, READ, READ_BEFORE, TAIL } from "./inbox-scripts.ts";

export interface RedisInboxOptions {
  /** Most messages kept per conversation log (a class, or one sender's direct messages to one user). */
  maxLength: number;
  /** Oldest message kept, by age (ms); older ones are trimmed at the log's next append. */
  maxAgeMs: number;
  /**
   * Replicas that must hold an append before it is acknowledged (Redis WAIT), so a primary
   * failover never loses an acknowledged message; 0 acknowledges on the primary's answer.
   */
  waitReplicas?: number;
  /** How long to wait for them (ms) before answering 503. */
  waitTimeoutMs?: number;
}

/**
 * A user's pointer stream keeps this many times the log length of pointers (an id and a sender
 * each): deep enough that a reader rarely falls back to asking every direct log.
 */
const POINTERS_PER_LOG = 4;
/**
 * A sender's index of what it sent keeps this many times the log length: the delivery status of a
 * message outlives its trimming from the log (it reads "expired"), for a while.
 */
const SENT_PER_LOG = 4;

/** The client with the scripts defined as commands: sent by their SHA (EVALSHA), not their text. */
type ScriptedRedis = RedisClient & {
  ringcastAppend(numKeys: number, ...keysAndArgs: (string | number)[]): Promise<unknown>;
  ringcastRead(numKeys: number, ...keysAndArgs: (string | number)[]): Promise<unknown>;
  ringcastTail(numKeys: number, ...keysAndArgs: (string | number)[]): Promise<unknown>;
  ringcastReadBefore(numKeys: number, ...keysAndArgs: (string | number)[]): Promise<unknown>;
};

type ScriptedPipeline = ChainableCommander & {
  ringcastAppend(numKeys: number, ...keysAndArgs: (string | number)[]): ScriptedPipeline;
};

/**
 * Message logs in Redis Streams, one per conversation: a class message is one append per log
 * group whatever the class size, and only a class's teacher (or one sender of direct messages)
 * writes to a log, so nobody can push another sender's messages out of a user's history. A user's
 * history is the merge, by id, of the logs of its classes and of its direct senders, all in its
 * log group.
 */
export class RedisInbox implements InboxStore {
  private readonly redis: ScriptedRedis;

  constructor(
    redis: RedisClient,
    private readonly groups: LogGroups,
    private readonly options: RedisInboxOptions,
  ) {
    redis.defineCommand("ringcastAppend", { lua: APPEND });
    redis.defineCommand("ringcastRead", { lua: READ });
    redis.defineCommand("ringcastTail", { lua: TAIL });
    redis.defineCommand("ringcastReadBefore", { lua: READ_BEFORE });
    this.redis = redis as ScriptedRedis;
  }

  append(draft: MessageDraft, routes: readonly NoticeRoute[] = []): Promise<string> {
    return this.run(async () => {
      const byGroup = this.routesByGroup(routes);
      const sent = { to: draft.to, sentAt: draft.sentAt };
      if (draft.to.type === "user") return this.appendTo(this.groups.of(draft.to.id), draft, byGroup, JSON.stringify(sent));
      // A class message: one copy per log group (each group's students read their group's copy).
      // The teacher's group goes last, its sent entry naming every other copy, and its id is the
      // message's: an acknowledged class message is in every group.
      const own = this.groups.of(draft.from.id);
      const copies: (string | null)[] = Array.from({ length: this.groups.count }, () => null);
      await Promise.all(
        copies.map(async (_, group) => {
          if (group !== own) copies[group] = await this.appendTo(group, draft, byGroup, "");
        }),
      );
      return this.appendTo(own, draft, byGroup, JSON.stringify(this.groups.count === 1 ? sent : { ...sent, copies }));
    });
  }

  /** Appends one copy in `group`, with the notices of that group's recipients. */
  private appendTo(group: number, draft: MessageDraft, routes: ReadonlyMap<number, [string, string][]>, sentEntry: string): Promise<string> {
    const keys = this.groups.keys(group);
    const log = logOf(keys, draft.to, draft.from.id);
    const scriptKeys = [keys.messageIds, log, keys.logIndex, keys.sentIndex(draft.from.id)];
    const minId = `${Math.max(1, Date.now() - this.options.maxAgeMs)}-0`;
    const args: (string | number)[] = [draft.from.id, JSON.stringify(draft), this.options.maxLength, minId, SENT_PER_LOG * this.options.maxLength, sentEntry];
    if (draft.to.type === "user") {
      scriptKeys.push(keys.directSenders(draft.to.id), keys.directPointers(draft.to.id));
      args.push(keys.directLog(draft.to.id, ""), POINTERS_PER_LOG * this.options.maxLength);
    } else args.push("", "");
    args.push(publishCommand(this.redis), this.groups.count, group);
    for (const [member, users] of routes.get(group) ?? []) args.push(keys.notices(member), users);
    if (!this.options.waitReplicas) return this.redis.ringcastAppend(scriptKeys.length, ...scriptKeys, ...args).then(String);
    return this.appendReplicated(scriptKeys, args, this.options.waitReplicas);
  }

  /** Per log group, its recipients' notices: [member, JSON array of user ids]. */
  private routesByGroup(routes: readonly NoticeRoute[]): Map<number, [string, string][]> {
    const byGroup = new Map<number, [string, string][]>();
    for (const route of routes) {
      for (const [group, list] of splitByGroup(this.groups, route.userIds)) {
        const entries = byGroup.get(group) ?? [];
        entries.push([route.member, JSON.stringify(list)]);
        byGroup.set(group, entries);
      }
    }
    return byGroup;
  }

  /**
   * The append and a WAIT in one pipeline, so both go over the same connection (the store client
   * does not resend commands after a reconnect, so a WAIT can never vouch for another primary).
   */
  private async appendReplicated(keys: string[], args: (string | number)[], replicas: number): Promise<string> {
    const pipeline = this.redis.pipeline() as ScriptedPipeline;
    const results = await pipeline
      .ringcastAppend(keys.length, ...keys, ...args)
      .wait(replicas, this.options.waitTimeoutMs ?? 1000)
      .exec();
    const [[appendError, id] = [null, null], [waitError, acknowledged] = [null, 0]] = results ?? [];
    if (appendError) throw appendError;
    if (waitError) throw waitError;
    if (Number(acknowledged) < replicas) throw new ReplicationError(replicas, Number(acknowledged));
    return String(id);
  }

  readAfter(userId: string, afterId: string, count: number): Promise<InboxPage> {
    return this.run(async () => {
      const keys = this.groups.keysOf(userId);
      const [truncated, ...flat] = (await this.redis.ringcastRead(4, ...followedKeys(keys, userId), keys.directPointers(userId), afterId, count, ...prefixes(keys, userId))) as [number, ...string[]];
      const messages: Message[] = [];
      let position = afterId;
      for (let i = 0; i + 2 < flat.length; i += 3) {
        const [id, senderId, payload] = [flat[i]!, flat[i + 1]!, flat[i + 2]!];
        position = id;
        // A teacher follows the logs of the classes it teaches: its own messages are not for it.
        if (senderId !== userId) messages.push({ id, ...(JSON.parse(payload) as MessageDraft) });
      }
      return { messages, truncated: truncated === 1, position, more: flat.length / 3 >= count };
    });
  }

  readBefore(userId: string, beforeId: string | undefined, count: number): Promise<HistoryPage> {
    return this.run(async () => {
      const keys = this.groups.keysOf(userId);
      const flat = (await this.redis.ringcastReadBefore(3, ...followedKeys(keys, userId), beforeId ?? "+", count, ...prefixes(keys, userId))) as string[];
      const messages: Message[] = [];
      for (let i = 0; i + 2 < flat.length; i += 3) {
        const [id, senderId, payload] = [flat[i]!, flat[i + 1]!, flat[i + 2]!];
        if (senderId !== userId) messages.unshift({ id, ...(JSON.parse(payload) as MessageDraft) });
      }
      const oldest = flat.length >= 3 ? flat[flat.length - 3] : undefined;
      return { messages, before: flat.length / 3 >= count ? oldest : undefined, newest: flat[0] };
    });
  }

  tail(userId: string): Promise<string> {
    return this.run(async () => {
      const keys = this.groups.keysOf(userId);
      return String(await this.redis.ringcastTail(3, ...followedKeys(keys, userId), ...prefixes(keys, userId)));
    });
  }

  locate(senderId: string, id: string): Promise<SentMessage | undefined> {
    return this.run(async () => {
      // The id names its group; the sent entry is where the append that gave the id wrote it.
      const group = this.groups.ofId(id);
      const keys = this.groups.keys(group);
      const [entry] = await this.redis.xrange(keys.sentIndex(senderId), id, id);
      if (!entry) return undefined;
      const { to, sentAt, copies } = JSON.parse(entry[1][1] ?? "{}") as { to: Target; sentAt: string; copies?: (string | null)[] };
      const kept = (await this.redis.xrange(logOf(keys, to, senderId), id, id)).length > 0;
      // A direct message has one copy (its recipient's group); a class message's entry names the others.
      const ids = Array.from({ length: this.groups.count }, (_, g) => (g === group ? id : (copies?.[g] ?? id)));
      return { to, sentAt, kept, copies: ids };
    });
  }

  private run<T>(operation: () => Promise<T>): Promise<T> {
    return guarded(this.redis, "the message log", operation);
  }
}

function logOf(keys: RedisKeys, to: Target, senderId: string): string {
  return to.type === "class" ? keys.classLog(to.id) : keys.directLog(to.id, senderId);
}

function followedKeys(keys: RedisKeys, userId: string): [string, string, string] {
  return [keys.userClasses(userId), keys.directSenders(userId), keys.logIndex];
}

function prefixes(keys: RedisKeys, userId: string): [string, string] {
  return [keys.classLog(""), keys.directLog(userId, "")];
}
