import type { Socket as NetSocket } from "node:net";
import { expect } from "chai";
import { io } from "socket.io-client";
import type { LocalRedis } from "../../server/cli/local-redis.ts";
import { compareIds } from "../../server/inbox/inbox.ts";
import type { Message } from "../../server/messaging/message.ts";
import { type ClientSocket, closeAll, connectSocket, eventually, Inbox, tokenFor } from "../support/clients.ts";
import { type ClusterProcess, FLOOD_LIMITS, spawnMember } from "../support/processes.ts";
import { privateRedis, seedSchool, uniquePrefix } from "../support/redis.ts";
import { MB, sampleRss } from "../support/rss.ts";

/** Users whose sockets stop reading, and how many sockets each opens (30 in all). */
const STALLED_USERS = ["s001", "s002", "s003"];
const SOCKETS_PER_USER = 10;
/** Classmates who flood them. */
const SENDERS = ["s011", "s012", "s013", "s014"];
const FLOOD_MS = 30_000;
/** The same flood first runs this long with every socket reading: the baseline of memory under load. */
const WARM_UP_MS = 5000;
/** A bound on the flood's size whatever the machine's speed. */
const MAX_MESSAGES = 12_000;
/** The flood's pace (messages/s, all senders together): a steady flood, not a benchmark of the member. */
const RATE = 400;
const IN_FLIGHT_PER_SENDER = 4;
/**
 * Bodies of 4,000 characters: the stalled sockets fill the kernel's buffers (several MB each on
 * loopback, outside the member's RSS) within seconds, and a page of replay (100 messages) stays
 * well under the 1 MiB cap.
 */
const BODY_CHARS = 4000;
/**
 * The stated bound on what 30 sockets that do not read add to the member's RSS: its peak during
 * the stalled flood over its peak during the same flood with every socket reading (a cold member's
 * heap alone grows ~60-100 MB under this load, whatever the readers do). Without the guard: ~+700-950 MB.
 */
const MAX_RSS_GROWTH_MB = 150;

interface Stalled {
  userId: string;
  socket: ClientSocket;
  inbox: Inbox;
  drops: number;
  /** The TCP socket paused (kept: the client's transport changes when it reconnects). */
  tcp?: NetSocket;
}

/** The TCP socket under a socket.io-client WebSocket transport (Node's `ws`), to stop reading it. */
function tcpOf(socket: ClientSocket): NetSocket {
  return (socket.io.engine.transport as unknown as { ws: { _socket: NetSocket } }).ws._socket;
}

describe("abuse: slow consumers are bounded", function () {
  this.timeout(180_000);
  let redis: LocalRedis;
  let member: ClusterProcess;
  let prefix: string;
  const stalled: Stalled[] = [];
  let senders: ClientSocket[] = [];

  before(async () => {
    redis = await privateRedis();
    prefix = uniquePrefix("slow-consumer");
    await seedSchool(redis.url, prefix);
    member = await spawnMember({
      redisUrl: redis.url,
      prefix,
      nodeId: "m1",
      env: {
        // The flood is deliberate: the limits that would stop it are lifted, the logs keep all of it.
        ...FLOOD_LIMITS,
        RINGCAST_INBOX_MAX_LENGTH: "1000000",
        RINGCAST_MAX_MESSAGE_CHARS: String(BODY_CHARS),
        RINGCAST_MAX_BUFFERED_BYTES: String(1024 * 1024),
      },
    });
  });

  after(async () => {
    closeAll([...stalled.map((s) => s.socket), ...senders]);
    await member?.stop();
    await redis?.stop();
  });

  /** A stock client on WebSocket that reconnects by itself, resuming after the last message it got. */
  async function connectStalled(userId: string, token: string): Promise<Stalled> {
    let startedAt: string | undefined;
    const socket = io(member.url, {
      forceNew: true,
      transports: ["websocket"],
      reconnectionDelay: 200,
      reconnectionDelayMax: 1000,
      auth: (cb) => cb({ token, lastMessageId: entry.inbox.messages.at(-1)?.id ?? startedAt }),
    });
    const entry: Stalled = { userId, socket, inbox: new Inbox(socket), drops: 0 };
    socket.on("disconnect", () => entry.drops++);
    await new Promise<void>((resolve, reject) => {
      socket.once("ringcast:session", (session: { lastMessageId: string }) => {
        startedAt = session.lastMessageId;
        resolve();
      });
      socket.once("connect_error", reject);
    });
    return entry;
  }

  /** Sends direct messages round-robin to the stalled users until the time or count is up; the acknowledged ids by recipient. */
  async function flood(until: number, maxMessages: number): Promise<Map<string, string[]>> {
    const acked = new Map(STALLED_USERS.map((id) => [id, [] as string[]]));
    const body = "x".repeat(BODY_CHARS);
    let started = 0;
    const from = Date.now();
    const lane = async (sender: ClientSocket): Promise<void> => {
      while (Date.now() < until && started < maxMessages) {
        const due = from + (started * 1000) / RATE;
        if (due > Date.now()) {
          await new Promise((r) => setTimeout(r, due - Date.now()));
          continue;
        }
        const to = STALLED_USERS[started++ % STALLED_USERS.length]!;
        const ack = (await sender.timeout(10_000).emitWithAck("message:send", { to: { user: to }, body })) as { ok: boolean; id?: string };
        if (!ack.ok) throw new Error(`send refused: ${JSON.stringify(ack)}`);
        acked.get(to)!.push(ack.id!);
      }
    };
    await Promise.all(senders.flatMap((sender) => Array.from({ length: IN_FLIGHT_PER_SENDER }, () => lane(sender))));
    for (const ids of acked.values()) ids.sort(compareIds);
    return acked;
  }

  it("30 sockets that stop reading under a 30 s flood: RSS stays bounded, they are closed, and they resume without loss", async () => {
    for (const userId of STALLED_USERS) {
      const token = await tokenFor(member.url, userId);
      stalled.push(...(await Promise.all(Array.from({ length: SOCKETS_PER_USER }, () => connectStalled(userId, token)))));
    }
    senders = await Promise.all(SENDERS.map(async (id) => connectSocket(member.url, { token: await tokenFor(member.url, id) }, { transports: ["websocket"] })));
    const pid = member.child.pid!;

    // The same flood while everyone reads: the member's memory under this load, the baseline.
    const loaded = sampleRss(pid, 250);
    const warmUp = await flood(Date.now() + WARM_UP_MS, RATE * (WARM_UP_MS / 1000));
    for (const s of stalled) await eventually(() => s.inbox.messages.length === warmUp.get(s.userId)!.length, 30_000, 100);
    loaded.stop();
    const baseline = loaded.peak() / MB;

    for (const s of stalled) {
      s.tcp = tcpOf(s.socket);
      s.tcp.pause();
    }
    const stalledRss = sampleRss(pid, 250);
    let stall: Map<string, string[]>;
    try {
      stall = await flood(Date.now() + FLOOD_MS, MAX_MESSAGES);
      await new Promise((r) => setTimeout(r, 1000));
    } finally {
      stalledRss.stop();
    }
    const acked = new Map(STALLED_USERS.map((id) => [id, [...warmUp.get(id)!, ...stall.get(id)!]]));
    const peak = stalledRss.peak() / MB;
    const total = [...stall.values()].reduce((n, ids) => n + ids.length, 0);
    const growth = peak - baseline;
    console.log(`      stalled flood: ${total} messages acknowledged; member RSS peak ${baseline.toFixed(0)} MB (everyone reading) -> ${peak.toFixed(0)} MB (30 stalled): +${growth.toFixed(0)} MB`);
    expect(growth, "member RSS growth (MB)").to.be.below(MAX_RSS_GROWTH_MB);

    // Every stalled socket was closed by the member for what it buffered (not by the ping timeout).
    const closes = member
      .output()
      .split("\n")
      .filter((line) => line.includes('"slow consumer: transport closed'))
      .map((line) => (JSON.parse(line) as { userId: string }).userId);
    expect(closes.length, "transports closed as slow consumers").to.be.at.least(stalled.length);
    expect([...new Set(closes)].sort()).to.deep.equal(STALLED_USERS);

    // They read again: each reconnects by itself from its last id and gets every message once, in order.
    for (const s of stalled) s.tcp!.resume();
    for (const s of stalled) {
      const expected = acked.get(s.userId)!;
      await eventually(() => s.inbox.messages.length >= expected.length, 60_000, 200);
      expect(s.drops, `${s.userId}'s socket was dropped`).to.be.at.least(1);
      expect(s.inbox.messages.map((m: Message) => m.id)).to.deep.equal(expected);
    }
    await new Promise((r) => setTimeout(r, 500)); // a duplicate would arrive after the last message
    for (const s of stalled) expect(s.inbox.messages).to.have.length(acked.get(s.userId)!.length);
  });
});
