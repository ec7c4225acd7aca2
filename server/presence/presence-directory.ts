import { randomBytes } from "node:crypto";
import { decodePresence, encodePresence, type OutgoingPresence, type PresenceMessage, type UserCount } from "./presence-messages.ts";
import { PresencePeers } from "./presence-peers.ts";
import { PresenceTable } from "./presence-table.ts";
import { type PresenceDirectoryOptions, type PresenceStats, type PresenceStatus, type PresenceTiming, presenceTiming } from "./presence-options.ts";

/**
 * Every member's view of who is online cluster-wide, held in memory. This member's own sockets
 * are counted here and replicated: changes published at once after a quiet spell, else batched
 * every flushMs (net count per user), full
 * snapshots on request and every snapshotMs. Numbered messages let a receiver spot a loss and ask
 * the sender for a snapshot; a newcomer asks everyone. Questions are answered from memory.
 */
export class PresenceDirectory {
  private readonly table = new PresenceTable();
  private readonly peers: PresencePeers;
  private readonly self: string;
  private readonly run = randomBytes(6).toString("hex");
  private readonly timing: PresenceTiming;
  private state: PresenceStatus = "idle";
  private seq = 0;
  /** Users changed since the last publish, with the count last published. */
  private readonly pending = new Map<string, number>();
  private snapshotDue = false;
  private flushTimer: NodeJS.Timeout | undefined;
  private lastFlushAt = 0;
  private snapshotTimer: NodeJS.Timeout | undefined;
  private readonly unsubscribe: (() => void)[] = [];
  private readonly counts = { published: 0, received: 0, dropped: 0, gaps: 0 };

  constructor(private readonly options: PresenceDirectoryOptions) {
    this.self = options.memberId;
    this.timing = presenceTiming(options);
    this.peers = new PresencePeers(this.timing);
  }

  get status(): PresenceStatus {
    return this.state;
  }

  /** Subscribes, announces this member's users and asks every member for its own. */
  async start(): Promise<void> {
    if (this.state !== "idle") throw new Error(`presence directory is ${this.state}`);
    const { transport } = this.options;
    this.unsubscribe.push(transport.onMessage((text) => this.receive(text)));
    if (transport.onRestored) this.unsubscribe.push(transport.onRestored(() => this.resyncAll()));
    await transport.start();
    if (this.state !== "idle") return this.options.transport.close(); // closed while subscribing
    this.state = "running";
    this.snapshotTimer = setInterval(() => this.periodic(), this.timing.snapshotMs);
    this.resyncAll();
  }

  /** Says goodbye (others drop this member's users at once), stops every timer, unsubscribes. */
  async close(): Promise<void> {
    if (this.state === "closed") return;
    const wasRunning = this.state === "running";
    this.state = "closed";
    clearTimeout(this.flushTimer);
    clearInterval(this.snapshotTimer);
    for (const off of this.unsubscribe.splice(0)) off();
    if (wasRunning) await this.withinCloseTimeout(this.send({ kind: "bye", from: this.self, run: this.run }));
    await this.options.transport.close();
  }

  /** A socket of `userId` connected to this member. */
  connected(userId: string): void {
    this.changeOwn(userId, 1);
  }

  /** A socket of `userId` left this member. */
  disconnected(userId: string): void {
    this.changeOwn(userId, -1);
  }

  /** The users among `userIds` with a socket on some member. */
  onlineAmong(userIds: Iterable<string>): Set<string> {
    const online = new Set<string>();
    for (const userId of userIds) if (this.table.total(userId) > 0) online.add(userId);
    return online;
  }

  /** Sockets of `userId` cluster-wide (this member's included). */
  socketsOf(userId: string): number {
    return this.table.total(userId);
  }

  /** Sockets of `userId` on `memberId` (this member's own: the exact local count). */
  socketsOn(memberId: string, userId: string): number {
    return this.table.on(memberId, userId);
  }

  /** `memberId` left the registry: its users are dropped, and late messages of it ignored. */
  forgetMember(memberId: string): void {
    if (memberId === this.self) return;
    this.peers.forget(memberId, Date.now());
    this.table.drop(memberId);
  }

  stats(): PresenceStats {
    const localUsers = this.table.countsOf(this.self).length;
    return { status: this.state, members: this.peers.size, users: this.table.users, localUsers, ...this.counts };
  }

  private changeOwn(userId: string, by: number): void {
    if (this.state === "closed") return;
    const before = this.table.on(this.self, userId);
    const after = Math.max(0, before + by);
    if (after === before) return;
    if (!this.pending.has(userId)) this.pending.set(userId, before);
    this.table.set(this.self, userId, after);
    this.scheduleFlush();
  }

  /**
   * At most one publish per flushMs, but not a wait when there was none: a change after a quiet
   * spell goes out on the next tick (a send right after a user connects then sees it as online),
   * while a burst of changes is batched.
   */
  private scheduleFlush(): void {
    if (this.state !== "running" || this.flushTimer) return;
    const wait = Math.max(0, this.lastFlushAt + this.timing.flushMs - Date.now());
    this.flushTimer = setTimeout(() => this.flush(), wait);
  }

  /** Publishes a snapshot when one is due, else the users whose count changed since the last publish. */
  private flush(): void {
    this.flushTimer = undefined;
    this.lastFlushAt = Date.now();
    if (this.state !== "running") return;
    const changed: UserCount[] = [];
    for (const [userId, published] of this.pending) {
      const now = this.table.on(this.self, userId);
      if (now !== published) changed.push([userId, now]);
    }
    this.pending.clear();
    if (this.snapshotDue) {
      this.snapshotDue = false;
      void this.send({ kind: "snapshot", from: this.self, run: this.run, seq: ++this.seq, users: this.table.countsOf(this.self) });
    } else if (changed.length > 0) {
      void this.send({ kind: "delta", from: this.self, run: this.run, seq: ++this.seq, users: changed });
    }
  }

  private sendSnapshotSoon(): void {
    this.snapshotDue = true;
    this.scheduleFlush();
  }

  /** On start and after a transport outage: ours out, everyone else's in. */
  private resyncAll(): void {
    if (this.state !== "running") return;
    this.sendSnapshotSoon();
    void this.send({ kind: "want", from: this.self, run: this.run });
  }

  private periodic(): void {
    this.sendSnapshotSoon();
    for (const member of this.peers.silentSince(Date.now(), this.timing.silentMs)) {
      this.options.log.warn({ member }, "presence: member silent too long; its users are dropped");
      this.forgetMember(member);
    }
  }

  private send(message: OutgoingPresence): Promise<void> {
    this.counts.published++;
    return this.options.transport.publish(encodePresence(message));
  }

  /** Never throws: a bad message is logged and dropped. */
  private receive(text: string): void {
    if (this.state === "closed") return; // idle: subscribed, start() not done yet; keep what arrives
    try {
      const message = decodePresence(text);
      if (message instanceof Error) {
        this.counts.dropped++;
        this.options.log.warn({ err: message.message }, "presence: undecodable message dropped");
      } else if (message.from !== this.self) {
        this.counts.received++;
        this.apply(message, Date.now());
      }
    } catch (err) {
      this.counts.dropped++;
      this.options.log.error({ err: err instanceof Error ? err.message : String(err) }, "presence: message handling failed");
    }
  }

  private apply(message: PresenceMessage, now: number): void {
    const { from } = message;
    if (message.kind === "want") {
      this.peers.heard(from, message.run, now);
      if (message.to === undefined || message.to === this.self) this.sendSnapshotSoon();
      return;
    }
    if (message.kind === "bye") {
      if (this.peers.forget(from, now, message.run)) this.table.drop(from);
      return;
    }
    const admission = this.peers.admit(from, message.run, message.seq, now);
    if (admission === "stale") return;
    if (message.kind === "snapshot") {
      this.table.replace(from, message.users);
      this.peers.synced(from);
      return;
    }
    if (admission === "new-run") this.table.drop(from);
    for (const [userId, sockets] of message.users) this.table.set(from, userId, sockets);
    if (admission === "gap") this.counts.gaps++;
    if (admission !== "next" && this.peers.shouldAsk(from, now)) void this.send({ kind: "want", from: this.self, run: this.run, to: from });
  }

  private async withinCloseTimeout(work: Promise<void>): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, this.timing.closeTimeoutMs);
    });
    await Promise.race([work, timeout]);
    clearTimeout(timer);
  }
}
