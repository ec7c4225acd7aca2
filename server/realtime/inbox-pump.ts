import type { AdapterStats } from "../adapter/adapter-stats.ts";
import { compareIds, type InboxStore } from "../inbox/inbox.ts";
import type { Notice } from "../inbox/notice.ts";
import type { ReceiptCursors } from "../inbox/receipts.ts";
import type { Logger } from "../log.ts";
import type { Message } from "../messaging/message.ts";
import type { MessageCounters } from "../metrics/counters.ts";
import type { NoticeListener } from "./notice-subscriber.ts";
import { userRoom } from "./rooms.ts";
import type { RingcastServer, RingcastSocket } from "./types.ts";

const PAGE_SIZE = 100;
const RETRY_MS = 1000;
/** Notices held for a socket while its log is being read; past this, it reads again instead. */
const MAX_QUEUED = 1000;

interface PumpState {
  running: boolean;
  again: boolean;
  retry: NodeJS.Timeout | undefined;
  followUps: NodeJS.Timeout[];
  /** True until the first read after connecting is done: what it sends is a replay. */
  replaying: boolean;
  /** The generation in which this socket takes messages straight from notices (-1: it reads). */
  live: number;
  /** Notices that arrived during a read, applied after it in order. */
  queued: Notice[];
}

export interface InboxPumpOptions {
  /** Messages sent to sockets are counted here. */
  counters?: MessageCounters;
  /**
   * Extra reads for a socket connecting now (ms after it connects). Hash mode, while a ring change
   * is recent: a sender whose ring is a moment behind notifies another member; these reads pick up
   * what such a notice missed. None by default.
   */
  followUps?: () => number[];
  /**
   * Whether every notice for this member's users comes here from now on (hash mode: no recent ring
   * change, so every sender routes as this member does). Always by default.
   */
  noticesComplete?: () => boolean;
}

/**
 * Sends each socket its user's messages from the socket's cursor, in id order, without gaps or
 * duplicates. A socket starts by reading its logs (a replay after a reconnect); once caught up, it
 * takes each message straight from its notice, which carries it. It reads again only when that
 * cannot be trusted: a gap (the id before a message is past the cursor), a lost subscription, a
 * recent ring change.
 */
export class InboxPump implements NoticeListener {
  private readonly states = new WeakMap<RingcastSocket, PumpState>();
  /** Bumped whenever notices may have been missed: every socket then reads before it goes live. */
  private generation = 0;
  private readonly followUps: () => number[];
  private readonly noticesComplete: () => boolean;

  constructor(
    private readonly io: RingcastServer,
    private readonly inbox: InboxStore,
    private readonly receipts: Pick<ReceiptCursors, "advance">,
    private readonly stats: AdapterStats,
    private readonly log: Logger,
    private readonly options: InboxPumpOptions = {},
  ) {
    this.followUps = options.followUps ?? (() => []);
    this.noticesComplete = options.noticesComplete ?? (() => true);
  }

  /** Starts sending to a new socket (its cursor was set at the handshake). */
  attach(socket: RingcastSocket): void {
    const followUps = this.followUps().map((ms) => setTimeout(() => void this.pump(socket), ms));
    const state: PumpState = { running: false, again: false, retry: undefined, followUps, replaying: true, live: -1, queued: [] };
    this.states.set(socket, state);
    socket.once("disconnect", () => {
      clearTimeout(state.retry);
      for (const timer of state.followUps) clearTimeout(timer);
      state.queued = [];
    });
    void this.pump(socket);
  }

  notice(notice: Notice): void {
    const ready: RingcastSocket[] = [];
    let reached = false;
    for (const userId of notice.userIds) {
      for (const sid of this.io.of("/").adapter.rooms.get(userRoom(userId)) ?? []) {
        const socket = this.io.of("/").sockets.get(sid);
        const state = socket && this.states.get(socket);
        if (!socket || !state) continue;
        reached = true;
        if (this.offer(socket, state, notice) === "send") ready.push(socket);
      }
    }
    this.sendToAll(ready, notice.message);
    this.stats.received++;
    if (reached) this.stats.deliveredLocally++;
  }

  /** Notices may be missing from now on: every socket reads before it trusts them again. */
  lost(): void {
    this.generation++;
  }

  restored(): void {
    this.generation++;
    this.wakeAll();
  }

  /** Reads every local socket's log: notices were lost (e.g. the bus was down), the logs were not. */
  wakeAll(): void {
    this.wakeSockets(this.io.of("/").sockets.values());
  }

  /** Reads these sockets' logs from their cursors (sockets that are gone are skipped). */
  wakeSockets(sockets: Iterable<RingcastSocket>): void {
    for (const socket of sockets) if (socket.connected) void this.pump(socket);
  }

  /** What a notice means for one socket: send it now, or nothing now (skipped, queued or read). */
  private offer(socket: RingcastSocket, state: PumpState, notice: Notice): "send" | "done" {
    if (state.running) {
      if (state.queued.length < MAX_QUEUED) state.queued.push(notice);
      else state.again = true;
      return "done";
    }
    const next = state.live === this.generation ? this.next(socket, notice) : "gap";
    if (next === "gap") void this.pump(socket);
    return next === "send" ? "send" : "done";
  }

  /** Whether a notice's message is the next one for the socket: after its cursor, nothing missed. */
  private next(socket: RingcastSocket, { message, prev }: Notice): "send" | "skip" | "gap" {
    if (compareIds(message.id, socket.data.cursor) <= 0) return "skip"; // already sent (by a read)
    if (compareIds(prev, socket.data.cursor) > 0) return "gap"; // missed the one before it
    return message.from.id === socket.data.userId ? "skip" : "send";
  }

  /** Sends one message to the sockets it is next for: encoded once, written to each. */
  private sendToAll(sockets: RingcastSocket[], message: Message): void {
    if (sockets.length === 0) return;
    for (const socket of sockets) this.delivered(socket, message);
    if (sockets.length === 1) sockets[0]!.emit("message", message);
    else this.io.local.to(sockets.map((socket) => socket.id)).emit("message", message);
  }

  private send(socket: RingcastSocket, message: Message): void {
    socket.data.cursor = message.id;
    // A teacher follows the logs of the classes it teaches: its own messages are not for it.
    if (message.from.id === socket.data.userId) return;
    this.delivered(socket, message);
    socket.emit("message", message);
  }

  private delivered(socket: RingcastSocket, message: Message): void {
    socket.data.cursor = message.id;
    this.receipts.advance(socket.data.userId, message.id);
    if (this.options.counters) this.options.counters.delivered++;
  }

  private async pump(socket: RingcastSocket): Promise<void> {
    const state = this.states.get(socket);
    if (!state) return;
    if (state.running) {
      state.again = true;
      return;
    }
    state.running = true;
    try {
      do {
        state.again = false;
        await this.catchUp(socket, state);
      } while (state.again && socket.connected);
    } catch (err) {
      this.log.debug({ err: (err as Error).message, userId: socket.data.userId }, "inbox read failed; retrying");
      state.queued = [];
      clearTimeout(state.retry);
      state.retry = setTimeout(() => void this.pump(socket), RETRY_MS);
    } finally {
      state.running = false;
    }
  }

  /** Reads the logs from the cursor, then goes live if nothing can have been missed meanwhile. */
  private async catchUp(socket: RingcastSocket, state: PumpState): Promise<void> {
    state.live = -1;
    const generation = this.generation;
    const complete = this.noticesComplete();
    await this.drain(socket, state);
    state.replaying = false;
    const queued = state.queued;
    state.queued = [];
    if (generation !== this.generation || !complete || !socket.connected) {
      if (queued.length > 0) state.again = true;
      return;
    }
    state.live = generation;
    // Notices heard during the read, in order: those it covered are skipped by their ids.
    for (const notice of queued) {
      const next = this.next(socket, notice);
      if (next === "gap") {
        state.again = true;
        return;
      }
      if (next === "send") this.send(socket, notice.message);
    }
  }

  /** Sends everything after the cursor, page by page. */
  private async drain(socket: RingcastSocket, state: PumpState): Promise<void> {
    for (;;) {
      const page = await this.inbox.readAfter(socket.data.userId, socket.data.cursor, PAGE_SIZE);
      // The log was trimmed past this socket's cursor (a burst longer than the log keeps, between
      // two reads): say so, as at a resume, before what is still there.
      if (page.truncated && socket.connected) socket.emit("ringcast:history-truncated", { lastMessageId: socket.data.cursor });
      let sent = 0;
      for (const message of page.messages) {
        if (!socket.connected) break;
        this.send(socket, message);
        sent++;
      }
      if (this.options.counters && state.replaying) this.options.counters.replayed += sent;
      if (!socket.connected) return;
      // Past what the page covered but did not send (the reader's own messages in a class log).
      socket.data.cursor = page.position;
      if (!page.more) return;
    }
  }
}
