import type { Logger } from "../log.ts";
import { connectionNamePrefix, isCluster, type RedisClient } from "../redis/connect.ts";
import type { RedisKeys } from "../redis/keys.ts";
import { publishCommand } from "../redis/pubsub.ts";
import { DEREGISTER } from "./registry-scripts.ts";

const RECHECK_MS = 1000;

/**
 * Fast failure detection for routers. A member that cannot be reached is evicted at once when
 * Redis holds no connection of it (a killed process's sockets close immediately), instead of
 * waiting for its lease to run out. If it was alive after all, its next heartbeat re-joins it.
 */
export class LivenessProbe {
  private readonly lastCheck = new Map<string, number>();

  constructor(
    private readonly redis: RedisClient,
    private readonly keys: RedisKeys,
    private readonly log: Logger,
  ) {}

  /** Call when `memberId` refused a connection; resolves true if it was evicted. */
  async reportUnreachable(memberId: string): Promise<boolean> {
    const now = Date.now();
    if (now - (this.lastCheck.get(memberId) ?? 0) < RECHECK_MS) return false;
    this.lastCheck.set(memberId, now);
    try {
      if (await this.subscribed(memberId)) return false;
      const keys = [this.keys.memberLeases, this.keys.memberInfo, this.keys.ringEpoch];
      const evicted = (await this.redis.eval(DEREGISTER, 3, ...keys, memberId, this.keys.ringChanges, publishCommand(this.redis))) === 1;
      if (evicted) this.log.warn({ member: memberId }, "member unreachable and gone from Redis: evicted from the ring");
      return evicted;
    } catch (err) {
      this.log.debug({ err: (err as Error).message }, "liveness check failed");
      return false;
    }
  }

  /**
   * Whether Redis holds the member's ring-change subscriber. On a Redis Cluster that connection
   * sits on the shard of the channel's slot, under a name ioredis prefixes: every node is asked.
   */
  private async subscribed(memberId: string): Promise<boolean> {
    const name = `${connectionNamePrefix("watch")}${memberId} `;
    const nodes = isCluster(this.redis) ? this.redis.nodes("all") : [this.redis];
    const lists = await Promise.all(nodes.map(async (node) => String(await node.call("CLIENT", "LIST", "TYPE", "pubsub"))));
    // ioredis names a cluster's subscriber "ioredis-cluster(ssubscriber):<name>".
    return lists.some((list) => list.includes(` name=${name}`) || list.includes(`):${name}`));
  }
}
