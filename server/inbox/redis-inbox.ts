import type { RedisClient } from "../redis/connect.ts";
import type { ChainableCommander } from "ioredis";
import { ReplicationError } from "../errors.ts";
import type { Message, Target } from "../messaging/message.ts";
import { guarded } from "../redis/guard.ts";
import { publishCommand } from "../redis/pubsub.ts";
import type { RedisKeys } from "../redis/keys.ts";
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
 * Message logs in Redis Streams, one per conversation: a class message is one append whatever the
 * class size, and only a class's teacher (or one sender of direct messages) writes to a log, so
 * nobody can push another sender's messages out of a user's history. A user's history is the
 * merge, by id, of the logs of its classes and of its direct senders.
 */
export class RedisInbox implements InboxStore {
  private readonly redis: ScriptedRedis;

  constructor(
    redis: RedisClient,
    private readonly keys: RedisKeys,
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
      const log = this.logOf(draft.to, draft.from.id);
      const keys = [this.keys.messageIds, log, this.keys.logIndex, this.keys.sentIndex(draft.from.id)];
      const minId = `${Math.max(1, Date.now() - this.options.maxAgeMs)}-0`;
      const kept = JSON.stringify({ to: draft.to, sentAt: draft.sentAt });
      const args: (string | number)[] = [draft.from.id, JSON.stringify(draft), this.options.maxLength, minId, SENT_PER_LOG * this.options.maxLength, kept];
      if (draft.to.type === "user") {
        keys.push(this.keys.directSenders(draft.to.id), this.keys.directPointers(draft.to.id));
        args.push(this.keys.directLog(draft.to.id, ""), POINTERS_PER_LOG * this.options.maxLength);
      } else args.push("", "");
      args.push(publishCommand(this.redis));
      for (const route of routes) if (route.userIds.length > 0) args.push(route.channel, JSON.stringify(route.userIds));
      if (!this.options.waitReplicas) return String(await this.redis.ringcastAppend(keys.length, ...keys, ...args));
      return this.appendReplicated(keys, args, this.options.waitReplicas);
    });
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
      const [truncated, ...flat] = (await this.redis.ringcastRead(4, ...this.followedKeys(userId), this.keys.directPointers(userId), afterId, count, ...this.prefixes(userId))) as [number, ...string[]];
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
      const flat = (await this.redis.ringcastReadBefore(3, ...this.followedKeys(userId), beforeId ?? "+", count, ...this.prefixes(userId))) as string[];
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
    return this.run(async () => String(await this.redis.ringcastTail(3, ...this.followedKeys(userId), ...this.prefixes(userId))));
  }

  locate(senderId: string, id: string): Promise<SentMessage | undefined> {
    return this.run(async () => {
      const [entry] = await this.redis.xrange(this.keys.sentIndex(senderId), id, id);
      if (!entry) return undefined;
      const { to, sentAt } = JSON.parse(entry[1][1] ?? "{}") as { to: Target; sentAt: string };
      const kept = (await this.redis.xrange(this.logOf(to, senderId), id, id)).length > 0;
      return { to, sentAt, kept };
    });
  }

  private logOf(to: Target, senderId: string): string {
    return to.type === "class" ? this.keys.classLog(to.id) : this.keys.directLog(to.id, senderId);
  }

  private followedKeys(userId: string): [string, string, string] {
    return [this.keys.userClasses(userId), this.keys.directSenders(userId), this.keys.logIndex];
  }

  private prefixes(userId: string): [string, string] {
    return [this.keys.classLog(""), this.keys.directLog(userId, "")];
  }

  private run<T>(operation: () => Promise<T>): Promise<T> {
    return guarded(this.redis, "the message log", operation);
  }
}
