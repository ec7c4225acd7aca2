import type { LocalCluster } from "../../server/cli/local-cluster.ts";
import type { LocalRedis } from "../../server/cli/local-redis.ts";
import type { LocalSentinel } from "../../server/cli/local-sentinel.ts";
import { type ClusterProcess, spawnMember } from "../support/processes.ts";

/** One disruption of the cluster. */
export type ChaosStep = "kill" | "join" | "remove" | "redis" | "failover" | "switchover" | "rolling" | "reshard" | "shard-failover";

export interface ChaosClusterOptions {
  mode: "broadcast" | "hash";
  prefix: string;
  /** How long Redis stays down on a "redis" step (ms). */
  redisDownMs: number;
  /** Member settings: fast leases so a killed member leaves the ring within seconds. */
  env: Record<string, string>;
  /** With Redis Sentinel: "failover" kills the primary; members reach Redis through the sentinels. */
  sentinel?: LocalSentinel;
  /**
   * With a Redis Cluster: "reshard" moves slots, "shard-failover" kills a primary, each time the
   * slot of `slotKey` (the run's first log group, next to its registry's slot) among them.
   */
  redisCluster?: { cluster: LocalCluster; slotKey: string; reshardSlots: number };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The member processes and the Redis server, as the chaos changes them. */
export class ChaosCluster {
  private readonly members = new Map<string, ClusterProcess>();
  /** Every member process started, killed or not: their logs are read at the end. */
  readonly spawned: ClusterProcess[] = [];
  private next = 1;
  /** When each primary was killed (epoch ms). */
  readonly failovers: number[] = [];

  constructor(
    private readonly redis: LocalRedis,
    private readonly options: ChaosClusterOptions,
  ) {}

  get size(): number {
    return this.members.size;
  }

  /** Starts a member; a new id unless one is given (a restart keeps its id and port). */
  async add(id = `m${this.next++}`, port = 0): Promise<string> {
    const env = { ...this.options.env, RINGCAST_MODE: this.options.mode, PORT: String(port) };
    const member = await spawnMember({ redisUrl: this.redis.url, prefix: this.options.prefix, nodeId: id, env });
    this.members.set(id, member);
    this.spawned.push(member);
    return id;
  }

  /** Applies one step and says what happened. */
  async apply(step: ChaosStep): Promise<string> {
    if (step === "join") return `join ${await this.add()}`;
    if (step === "redis") return this.restartRedis();
    if (step === "failover") return this.failover();
    if (step === "switchover") return this.switchover();
    if (step === "reshard") return this.reshard();
    if (step === "shard-failover") return this.shardFailover();
    if (step === "rolling") return this.rollingRestart();
    // Someone must keep serving: a kill (restarted soon) needs two members, a removal three.
    if (this.size < (step === "kill" ? 2 : 3)) return `${step} skipped (only ${this.size} members)`;
    const [id, member] = this.pick();
    this.members.delete(id);
    if (step === "remove") {
      await member.stop();
      return `SIGTERM ${id} (removed)`;
    }
    await member.kill();
    await sleep(1500);
    await this.add(id, member.port);
    return `kill -9 ${id}, restarted`;
  }

  async stopAll(): Promise<void> {
    await Promise.all([...this.members.values()].map((m) => m.stop()));
  }

  private pick(): [string, ClusterProcess] {
    const entries = [...this.members.entries()];
    return entries[Math.floor(Math.random() * entries.length)]!;
  }

  private async restartRedis(): Promise<string> {
    if (this.options.sentinel) return "redis restart skipped (with sentinels, see failover)";
    await this.redis.stop({ save: true });
    await sleep(this.options.redisDownMs);
    await this.redis.restart();
    return `redis down for ${this.options.redisDownMs} ms, restarted`;
  }

  /**
   * kill -9 of the primary the sentinels name; once they promoted a replica, the old primary
   * starts again (empty, as after losing its disk) and the sentinels make it a replica.
   */
  private async failover(): Promise<string> {
    const sentinel = this.options.sentinel;
    if (!sentinel) return "failover skipped (no sentinels)";
    const port = await sentinel.primaryPort();
    const node = sentinel.nodes.find((n) => n.port === port)!;
    const killedAt = Date.now();
    await node.kill();
    this.failovers.push(killedAt);
    const promoted = await sentinel.waitForFailover(port);
    const took = Date.now() - killedAt;
    await node.restart();
    return `kill -9 primary :${port}; sentinels promoted :${promoted} after ${took} ms; old primary restarted as a replica`;
  }

  /** A planned failover (SENTINEL FAILOVER): the primary is demoted while still running. */
  private async switchover(): Promise<string> {
    const sentinel = this.options.sentinel;
    if (!sentinel) return "switchover skipped (no sentinels)";
    const port = await sentinel.primaryPort();
    const startedAt = Date.now();
    this.failovers.push(startedAt);
    await sentinel.switchover();
    const promoted = await sentinel.waitForFailover(port);
    return `SENTINEL FAILOVER: primary :${port} demoted, :${promoted} promoted after ${Date.now() - startedAt} ms`;
  }

  /**
   * Moves the run's slot to another primary with `redis-cli --cluster reshard` (the run's prefix
   * was chosen so its slot is among the first a reshard takes from its primary).
   */
  private async reshard(): Promise<string> {
    const found = this.options.redisCluster;
    if (!found) return "reshard skipped (no Redis Cluster)";
    const { cluster, slotKey, reshardSlots } = found;
    const before = await cluster.slotOf(slotKey);
    const to = (await cluster.primaryPorts()).find((port) => port !== before.primary)!;
    const startedAt = Date.now();
    await cluster.reshard(reshardSlots, before.primary, to);
    const after = await cluster.slotOf(slotKey);
    return `reshard of ${reshardSlots} slots :${before.primary} -> :${to} in ${Date.now() - startedAt} ms; slot ${after.slot} now on :${after.primary}`;
  }

  /** kill -9 of the primary that serves the run's slot; its replica is promoted, the old primary restarts as a replica. */
  private async shardFailover(): Promise<string> {
    const found = this.options.redisCluster;
    if (!found) return "shard failover skipped (no Redis Cluster)";
    const { slot, primary } = await found.cluster.slotOf(found.slotKey);
    const { promoted, killedAt } = await found.cluster.killPrimary(primary);
    this.failovers.push(killedAt);
    const took = Date.now() - killedAt;
    await found.cluster.nodes.find((node) => node.port === primary)!.restart();
    return `kill -9 primary :${primary} (slot ${slot}); replica :${promoted} promoted, cluster ok after ${took} ms; old primary restarted as a replica`;
  }

  /** A deploy: every member in turn gets SIGTERM (graceful drain) and starts again. */
  private async rollingRestart(): Promise<string> {
    const ids = [...this.members.keys()];
    for (const id of ids) {
      const member = this.members.get(id)!;
      this.members.delete(id);
      await member.stop();
      await this.add(id, member.port);
      await sleep(1000);
    }
    return `rolling restart of ${ids.join(", ")}`;
  }
}
