import { Redis } from "ioredis";
import type { Logger } from "../log.ts";
import { isCluster, type RedisClient } from "./connect.ts";
import type { RedisTarget } from "./redis-target.ts";

type SentinelTarget = Extract<RedisTarget, { kind: "sentinel" }>;

/** Something with a start/close lifecycle, as a member's or gateway's services. */
export interface PrimarySwitches {
  start(): void;
  close(): void;
}

/**
 * Moves a process's connections to a new Sentinel primary as soon as the sentinels promote it. A
 * primary that died drops its connections by itself, but one demoted while running (a planned
 * SENTINEL FAILOVER) keeps serving its old clients until the sentinels reconfigure it, about
 * 10 s later: writes meanwhile land on a primary that will discard them, and subscribers hear
 * nothing published on the new one. So on +promoted-slave (or +switch-master, its end) every
 * connection reconnects; and a connection that comes back on another node than the announced
 * primary (a sentinel that has not heard yet still names the old one) is dropped again, so it
 * fails (503) instead of writing there. Each sentinel announces the same switch: only the first
 * announcement of an address counts. For a single Redis this does nothing.
 */
export function followPrimarySwitches(target: RedisTarget, clients: RedisClient[], log: Logger): PrimarySwitches {
  if (target.kind !== "sentinel") return { start: () => undefined, close: () => undefined };
  return new SentinelSwitchWatch(target, clients.filter((client): client is Redis => !isCluster(client)), log);
}

class SentinelSwitchWatch implements PrimarySwitches {
  status: "idle" | "running" | "closed" = "idle";
  private readonly sentinels: Redis[] = [];
  /** The primary the sentinels announced last, as { host, port }. */
  private announced: { host: string; port: number } | undefined;
  private readonly verify = new Map<Redis, () => void>();

  constructor(
    private readonly target: SentinelTarget,
    private readonly clients: Redis[],
    private readonly log: Logger,
  ) {}

  start(): void {
    if (this.status !== "idle") return;
    this.status = "running";
    for (const client of this.clients) {
      // After the tick of "ready": ioredis sends a subscriber's SUBSCRIBEs right after that event.
      const check = (): void => void setImmediate(() => this.moveIfNotPrimary(client));
      this.verify.set(client, check);
      client.on("ready", check);
    }
    for (const address of this.target.sentinels) {
      const sentinel = new Redis({
        ...address,
        username: this.target.sentinelUsername,
        password: this.target.sentinelPassword,
        tls: this.target.tls ? {} : undefined,
        retryStrategy: (attempt) => Math.min(200 * attempt, 2000),
      });
      // A sentinel that is down is tolerated: the others announce the same switch.
      sentinel.on("error", (err: Error) => this.log.debug({ sentinel: `${address.host}:${address.port}`, err: err.message }, "sentinel connection error"));
      sentinel.on("message", (channel: string, text: string) => this.onAnnouncement(channel, text));
      sentinel.subscribe("+switch-master").catch((err: Error) => this.log.debug({ err: err.message }, "could not subscribe to sentinel events"));
      this.sentinels.push(sentinel);
    }
  }

  close(): void {
    this.status = "closed";
    for (const [client, check] of this.verify) client.off("ready", check);
    this.verify.clear();
    for (const sentinel of this.sentinels.splice(0)) sentinel.disconnect();
  }

  /**
   * +switch-master: "<name> <old host> <old port> <new host> <new port>".
   * +promoted-slave: "slave <host>:<port> <host> <port> @ <name> <old host> <old port>".
   */
  private onAnnouncement(channel: string, text: string): void {
    const words = text.split(" ");
    const [name, host, port] = channel === "+switch-master" ? [words[0], words[3], words[4]] : [words[5], words[2], words[3]];
    if (this.status !== "running" || name !== this.target.name || !host || !port) return;
    if (this.announced?.host === host && this.announced.port === Number(port)) return;
    this.announced = { host, port: Number(port) };
    this.log.warn({ primary: `${host}:${port}` }, "the sentinels promoted a new Redis primary: reconnecting to it");
    for (const client of this.clients) this.moveIfNotPrimary(client);
  }

  /**
   * Reconnects `client` unless it is on the announced primary. A connection in the middle of
   * (re)connecting is left alone: it is checked once ready. The check waits for a PING, queued
   * behind a subscriber's SUBSCRIBEs: ioredis keeps a connection's channels for the next one
   * only once they were confirmed, and dropping it before would lose them for good.
   */
  private moveIfNotPrimary(client: Redis): void {
    if (this.status !== "running" || client.status !== "ready") return;
    client.ping().then(
      () => this.dropIfNotPrimary(client),
      () => undefined,
    );
  }

  private dropIfNotPrimary(client: Redis): void {
    const primary = this.announced;
    const stream = client.stream;
    if (!primary || !stream || this.status !== "running" || client.status !== "ready") return;
    // A hostname in the sentinels' config cannot be compared with the peer's IP: the port must do.
    const sameHost = !/^[\d.:]+$/.test(primary.host) || stream.remoteAddress?.replace(/^::ffff:/, "") === primary.host;
    if (sameHost && stream.remotePort === primary.port) return;
    this.log.debug({ node: `${stream.remoteAddress}:${stream.remotePort}`, primary: `${primary.host}:${primary.port}` }, "connected to a node that is not the new primary: reconnecting");
    client.disconnect(true);
  }
}
