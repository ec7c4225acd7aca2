import type { AdapterStats } from "../adapter/adapter-stats.ts";
import type { DeliveryLedger } from "../inbox/delivery-ledger.ts";
import type { InboxStore } from "../inbox/inbox.ts";
import type { Logger } from "../log.ts";
import type { MessageCounters } from "../metrics/counters.ts";
import { RING_SETTLE_MS } from "../ring/ring-view.ts";
import { INBOX_EVENT } from "./inbox-notifier.ts";
import { userRoom } from "./rooms.ts";
import type { RingcastServer, RingcastSocket } from "./types.ts";

const PAGE_SIZE = 100;
const RETRY_MS = 1000;
/**
 * Reads again this long after a socket connects soon after a ring change. A sender whose ring view
 * is a moment behind the change notifies the user's previous owner; these reads pick up what such
 * a notice missed. With no recent change, sender and owner agree and no extra read is needed.
 */
const FOLLOW_UP_MS = [1000, 5000];

interface PumpState {
  running: boolean;
  again: boolean;
  retry: NodeJS.Timeout | undefined;
  followUps: NodeJS.Timeout[];
  /** True until the first read after connecting is done: what it sends is a replay. */
  replaying: boolean;
}

/**
 * Sends each socket its user's log from the socket's cursor: a replay after a reconnect, then
 * every new message when a notification wakes it. One read at a time per socket, so messages
 * reach the client in log order, without gaps or duplicates.
 */
export class InboxPump {
  private readonly states = new WeakMap<RingcastSocket, PumpState>();

  constructor(
    private readonly io: RingcastServer,
    private readonly inbox: InboxStore,
    private readonly ledger: Pick<DeliveryLedger, "markDelivered">,
    private readonly stats: AdapterStats,
    private readonly log: Logger,
    /** Hash mode: when the ring last changed (Date.now()), for the follow-up reads; none in broadcast mode. */
    private readonly ringChangedAt: () => number = () => 0,
    /** Messages sent to sockets are counted here. */
    private readonly counters?: MessageCounters,
  ) {}

  /** Listens for notifications from other members. */
  start(): void {
    this.io.on(INBOX_EVENT, (userIds: unknown) => {
      if (Array.isArray(userIds)) this.wake(userIds.filter((id): id is string => typeof id === "string"), true);
    });
  }

  /** Starts sending to a new socket (its cursor was set at the handshake). */
  attach(socket: RingcastSocket): void {
    const followUps = Date.now() - this.ringChangedAt() < RING_SETTLE_MS ? FOLLOW_UP_MS.map((ms) => setTimeout(() => void this.pump(socket), ms)) : [];
    const state: PumpState = { running: false, again: false, retry: undefined, followUps, replaying: true };
    this.states.set(socket, state);
    socket.once("disconnect", () => {
      clearTimeout(state.retry);
      for (const timer of state.followUps) clearTimeout(timer);
    });
    void this.pump(socket);
  }

  /** New messages for these users: read them for every local socket of theirs. */
  wake(userIds: readonly string[], fromAnotherMember = false): void {
    let reached = false;
    for (const userId of userIds) {
      for (const sid of this.io.of("/").adapter.rooms.get(userRoom(userId)) ?? []) {
        const socket = this.io.of("/").sockets.get(sid);
        if (!socket) continue;
        reached = true;
        void this.pump(socket);
      }
    }
    if (!fromAnotherMember) return;
    this.stats.received++;
    if (reached) this.stats.deliveredLocally++;
  }

  /** Reads every local socket's log: notices were lost (e.g. the bus was down), the logs were not. */
  wakeAll(): void {
    this.wakeSockets(this.io.of("/").sockets.values());
  }

  /** Reads these sockets' logs from their cursors (sockets that are gone are skipped). */
  wakeSockets(sockets: Iterable<RingcastSocket>): void {
    for (const socket of sockets) if (socket.connected) void this.pump(socket);
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
        await this.drain(socket, state);
        state.replaying = false;
      } while (state.again && socket.connected);
    } catch (err) {
      this.log.debug({ err: (err as Error).message, userId: socket.data.userId }, "inbox read failed; retrying");
      clearTimeout(state.retry);
      state.retry = setTimeout(() => void this.pump(socket), RETRY_MS);
    } finally {
      state.running = false;
    }
  }

  /** Sends everything after the cursor, page by page. */
  private async drain(socket: RingcastSocket, state: PumpState): Promise<void> {
    for (;;) {
      const page = await this.inbox.readAfter(socket.data.userId, socket.data.cursor, PAGE_SIZE);
      // The log was trimmed past this socket's cursor (a burst longer than the log keeps, between
      // two reads): say so, as at a resume, before what is still there.
      if (page.truncated && socket.connected) socket.emit("ringcast:history-truncated", { lastMessageId: socket.data.cursor });
      const sent: string[] = [];
      for (const message of page.messages) {
        if (!socket.connected) break;
        socket.emit("message", message);
        socket.data.cursor = message.id;
        sent.push(message.id);
      }
      this.ledger.markDelivered(socket.data.userId, sent).catch(() => undefined);
      if (this.counters) this.counters.delivered += sent.length;
      if (this.counters && state.replaying) this.counters.replayed += sent.length;
      if (!socket.connected) return;
      // Past what the page covered but did not send (the reader's own messages in a class log).
      socket.data.cursor = page.position;
      if (!page.more) return;
    }
  }
}
