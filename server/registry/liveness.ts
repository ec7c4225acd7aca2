import type { Redis } from "ioredis";
import type { Logger } from "../log.ts";
import { connectionNamePrefix } from "../redis/connect.ts";
import type { RedisKeys } from "../redis/keys.ts";
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
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
    private readonly log: Logger,
  ) {}

  /** Call when `memberId` refused a connection; resolves true if it was evicted. */
  async reportUnreachable(memberId: string): Promise<boolean> {
    const now = Date.now();
    if (now - (this.lastCheck.get(memberId) ?? 0) < RECHECK_MS) return false;
    this.lastCheck.set(memberId, now);
    try {
      const clients = String(await this.redis.call("CLIENT", "LIST", "TYPE", "pubsub"));
      if (clients.includes(` name=${connectionNamePrefix("watch")}${memberId} `)) return false;
      const keys = [this.keys.memberLeases, this.keys.memberInfo, this.keys.ringEpoch];
      const evicted = (await this.redis.eval(DEREGISTER, 3, ...keys, memberId, this.keys.ringChanges)) === 1;
      if (evicted) this.log.warn({ member: memberId }, "member unreachable and gone from Redis: evicted from the ring");
      return evicted;
    } catch (err) {
      this.log.debug({ err: (err as Error).message }, "liveness check failed");
      return false;
    }
  }
}
