import { expect } from "chai";
import { io } from "socket.io-client";
import { RestError, RingcastRest } from "../../client/rest.ts";
import { compareIds } from "../../protocol/message-id.ts";
import type { Message } from "../../server/messaging/message.ts";
import type { SessionInfo } from "../../server/realtime/events.ts";
import { HashRing } from "../../server/ring/hash-ring.ts";
import type { DemoSchool } from "../../server/school/demo-school.ts";
import { eventually, Inbox } from "../support/clients.ts";
import { closeFleet, connectFleet, type FleetUser } from "../support/fleet.ts";
import { type ClusterProcess, FLOOD_LIMITS, spawnGateway, spawnMember } from "../support/processes.ts";
import { seedSchool, sharedRedis, TEST_PASSWORD, uniquePrefix } from "../support/redis.ts";

/**
 * Issue 12's acceptance item: a user in 3 classes (3 logs of class messages) who also gets direct
 * messages (a 4th log) resumes from one lastMessageId across a kill -9 of its member and across a
 * join that moves it, and sees every acknowledged message once, in id order.
 */
const HUB = "s000"; // in all 3 classes
const MATE = "s001"; // shares c-1 with the hub, sends it direct messages over its socket
const CLASSES = ["c-1", "c-2", "c-3"];
const SCHOOL = buildSchool();
const PER_SENDER = 60; // per phase: 3 teachers and the classmate, 240 messages
const PACE_MS = 50;
const ACK_TIMEOUT_MS = 5000;
const MEMBER_ENV = { ...FLOOD_LIMITS, RINGCAST_MODE: "hash", RINGCAST_LEASE_MS: "2000", RINGCAST_HEARTBEAT_MS: "500" };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Teacher t-<n> teaches c-<n>: the hub and 9 others each; the hub's classmate is in c-1. */
function buildSchool(): DemoSchool {
  const school: DemoSchool = { users: [{ id: HUB, name: "Hub", role: "student" }], classes: [] };
  CLASSES.forEach((classId, c) => {
    const teacherId = `t-${c + 1}`;
    const others = Array.from({ length: 9 }, (_, i) => `s${String(1 + c * 9 + i).padStart(3, "0")}`);
    school.users.push({ id: teacherId, name: `Teacher ${c + 1}`, role: "teacher" });
    for (const id of others) school.users.push({ id, name: `Student ${id}`, role: "student" });
    school.classes.push({ id: classId, name: `Class ${c + 1}`, teacherId, studentIds: [HUB, ...others] });
  });
  return school;
}

interface Acked {
  id: string;
  body: string;
  at: number;
}

/** Paced, bounded traffic to the hub: each teacher's class messages over REST, the classmate's direct messages over its socket. */
class Traffic {
  refused = 0;
  private readonly bodies = new Set<string>();

  constructor(
    private readonly api: RingcastRest,
    private readonly teacherTokens: string[],
    private readonly mate: FleetUser,
  ) {}

  /** Every body ever sent: whatever the hub sees must be one of them. */
  sentBodies(): ReadonlySet<string> {
    return this.bodies;
  }

  /** Sends PER_SENDER messages from each sender, one every PACE_MS; resolves with those acknowledged. */
  async burst(phase: string): Promise<Acked[]> {
    const acked: Acked[] = [];
    const pending: Promise<void>[] = [];
    for (let i = 0; i < PER_SENDER; i++) {
      for (const [c, token] of this.teacherTokens.entries()) pending.push(this.viaRest(token, CLASSES[c]!, `${phase} ${CLASSES[c]} ${i}`, acked));
      pending.push(this.viaSocket(`${phase} direct ${i}`, acked));
      await sleep(PACE_MS);
    }
    await Promise.all(pending);
    return acked;
  }

  private async viaRest(token: string, classId: string, body: string, acked: Acked[]): Promise<void> {
    this.bodies.add(body);
    try {
      const receipt = await this.api.send(token, { to: { class: classId }, body });
      acked.push({ id: receipt.id, body, at: Date.now() });
    } catch (err) {
      if (!(err instanceof RestError || err instanceof TypeError)) throw err;
      this.refused++; // 503, or the member behind the gateway was just killed: not acknowledged
    }
  }

  private async viaSocket(body: string, acked: Acked[]): Promise<void> {
    this.bodies.add(body);
    try {
      const ack = (await this.mate.socket.timeout(ACK_TIMEOUT_MS).emitWithAck("message:send", { to: { user: HUB }, body })) as { ok: boolean; id?: string };
      if (ack.ok && ack.id) acked.push({ id: ack.id, body, at: Date.now() });
      else this.refused++;
    } catch {
      this.refused++; // no ack in time: the sender cannot know, so it is not owed
    }
  }
}

describe("replay for a user in 3 classes across a member kill and a join (hash mode, gateway)", function () {
  this.timeout(120_000);
  let redisUrl: string;
  let prefix: string;
  const members = new Map<string, ClusterProcess>();
  let gateway: ClusterProcess;
  let hub: FleetUser;
  let mate: FleetUser;
  let traffic: Traffic;
  /** Every message acknowledged to a sender, over all phases. */
  const acknowledged: Acked[] = [];
  /** When the hub's connection was down: from its disconnect to its next session. */
  const gaps: { from: number; to?: number }[] = [];
  /** The last message the hub had seen before its member was killed: the resume point checked last. */
  let beforeKill: string | undefined;

  async function addMember(id: string): Promise<void> {
    members.set(id, await spawnMember({ redisUrl, prefix, nodeId: id, env: MEMBER_ENV }));
  }

  /** Waits until the hub has seen every acknowledged message (or 20 s), then checks what it saw. */
  async function expectEveryAcknowledgedOnceInOrder(context: string): Promise<void> {
    // Known by body (unique per send): on a Redis Cluster a class message's id is its log group's.
    const received = () => new Set(hub.inbox.messages.map((m) => m.body));
    await eventually(() => acknowledged.every((a) => received().has(a.body)), 20_000, 100).catch(() => undefined);
    const ids = hub.inbox.messages.map((m) => m.id);
    const missing = acknowledged.filter((a) => !received().has(a.body)).map((a) => `${a.id} ${a.body}`);
    const where = `${context}; prefix ${prefix}; hub on ${hub.member ?? "none"}; ${ids.length} received, ${acknowledged.length} acknowledged`;
    expect(missing, `acknowledged but never received (${where})`).to.deep.equal([]);
    expect(duplicates(ids), `received more than once (${where})`).to.deep.equal([]);
    expect(duplicates(hub.inbox.messages.map((m) => m.body)), `received more than once (${where})`).to.deep.equal([]);
    expect(outOfOrder(hub.inbox.messages), `received after a newer id (${where})`).to.deep.equal([]);
    const strangers = hub.inbox.messages.filter((m) => !isForHub(m) || !traffic.sentBodies().has(m.body));
    expect(strangers.map((m) => `${m.id} ${m.body}`), `not sent to the hub (${where})`).to.deep.equal([]);
  }

  before(async () => {
    redisUrl = (await sharedRedis()).url;
    prefix = uniquePrefix("replay-classes");
    await seedSchool(redisUrl, prefix, SCHOOL);
    await Promise.all(["a", "b", "c"].map(addMember));
    gateway = await spawnGateway({ redisUrl, prefix, mode: "hash", env: FLOOD_LIMITS });
    [hub, mate] = await connectFleet(gateway.url, [HUB, MATE]) as [FleetUser, FleetUser];
    hub.socket.on("disconnect", () => gaps.push({ from: Date.now() }));
    hub.socket.on("ringcast:session", () => {
      const gap = gaps.at(-1);
      if (gap && gap.to === undefined) gap.to = Date.now();
    });
    const api = new RingcastRest(gateway.url);
    const teacherTokens = await Promise.all(CLASSES.map((_, c) => api.login(`t-${c + 1}`, TEST_PASSWORD).then((s) => s.token)));
    traffic = new Traffic(api, teacherTokens, mate);
  });

  after(async () => {
    closeFleet([hub, mate].filter(Boolean));
    await Promise.all([gateway?.stop(), ...[...members.values()].map((m) => m.stop())]);
  });

  it("kill -9 of the hub's member under traffic: it resumes on a survivor with every acknowledged message once, in id order", async () => {
    const victim = hub.member!;
    expect(victim).to.equal(new HashRing(["a", "b", "c"]).owner(HUB));
    const sending = traffic.burst("kill");
    await eventually(() => hub.inbox.messages.length >= 20, 10_000, 20); // traffic flowing, some of it seen
    beforeKill = hub.inbox.messages.at(-1)?.id;
    await members.get(victim)!.kill();
    members.delete(victim);
    acknowledged.push(...(await sending));
    const survivors = new HashRing([...members.keys()]);
    await eventually(() => hub.member === survivors.owner(HUB), 20_000, 100);
    await expectEveryAcknowledgedOnceInOrder(`kill -9 ${victim}`);
    expect(beforeKill, "the hub saw messages before the kill").to.be.a("string");
    expect(gaps.length, "the hub's connection dropped").to.be.at.least(1);
    // Messages acknowledged while the hub was cut off reached it only by the replay.
    const whileAway = acknowledged.filter((a) => a.at > gaps[0]!.from && a.at < (gaps[0]!.to ?? Infinity));
    expect(whileAway.length, "messages acknowledged while the hub was away").to.be.greaterThan(0);
    expect(acknowledged.length).to.be.greaterThan(PER_SENDER * 2);
  });

  it("a join that moves the hub to the new member under traffic: again every acknowledged message once, in id order", async () => {
    const survivors = [...members.keys()];
    const joiner = joinerTaking(HUB, survivors);
    const drops = hub.drops;
    const before = acknowledged.length;
    const seen = hub.inbox.messages.length;
    const sending = traffic.burst("join");
    await eventually(() => hub.inbox.messages.length >= seen + 20, 10_000, 20);
    await addMember(joiner);
    acknowledged.push(...(await sending));
    await eventually(() => hub.member === joiner, 20_000, 100);
    await expectEveryAcknowledgedOnceInOrder(`join ${joiner} to ${survivors.join(", ")}`);
    expect(hub.drops, "the hub was moved (its connection dropped)").to.be.greaterThan(drops);
    expect(acknowledged.length - before).to.be.greaterThan(PER_SENDER * 3);
  });

  it("a fresh connection from one lastMessageId before the kill gets exactly what came after it, merged from the 4 logs in id order", async () => {
    const anchor = beforeKill!;
    expect(anchor).to.be.a("string");
    // What the live session saw (which holds every acknowledged message) after the anchor.
    expect(hub.inbox.messages.map((m) => m.body)).to.include.members(acknowledged.map((a) => a.body));
    const expected = hub.inbox.messages.filter((m) => compareIds(m.id, anchor) > 0).map((m) => m.id);
    const socket = io(gateway.url, { query: { token: hub.token }, auth: { lastMessageId: anchor }, forceNew: true, reconnection: false });
    const truncated: unknown[] = [];
    socket.on("ringcast:history-truncated", (info: unknown) => truncated.push(info));
    const replay = new Inbox(socket);
    const session = new Promise<SessionInfo>((resolve) => socket.once("ringcast:session", resolve));
    try {
      expect((await session).lastMessageId).to.equal(anchor);
      await replay.waitFor(expected.length, 15_000).catch(() => undefined);
      await sleep(300); // nothing more may follow: no traffic now
      const got = replay.messages.map((m) => m.id);
      const where = `anchor ${anchor}, prefix ${prefix}, replay from ${(await session).member}`;
      expect(got.filter((id) => !expected.includes(id)), `replayed but not expected (${where})`).to.deep.equal([]);
      expect(expected.filter((id) => !got.includes(id)), `expected but not replayed (${where})`).to.deep.equal([]);
      expect(got, where).to.deep.equal(expected);
      expect(new Set(replay.messages.map((m) => (m.to.type === "class" ? m.to.id : "direct"))).size, "all 4 logs in the replay").to.equal(4);
      expect(truncated).to.deep.equal([]);
    } finally {
      socket.close();
    }
  });
});

function isForHub(message: Message): boolean {
  return message.to.type === "class" ? CLASSES.includes(message.to.id) : message.to.id === HUB && message.from.id === MATE;
}

function duplicates(ids: string[]): string[] {
  return ids.filter((id, i) => ids.indexOf(id) !== i);
}

function outOfOrder(messages: Message[]): string[] {
  return messages
    .map((m, i) => ({ m, previous: messages[i - 1] }))
    .filter(({ m, previous }) => previous !== undefined && compareIds(previous.id, m.id) >= 0)
    .map(({ m, previous }) => `${m.id} ${m.body} after ${previous!.id} ${previous!.body}`);
}

/** A new member id that takes `userId` from `current` members when it joins (so the join surely moves it). */
function joinerTaking(userId: string, current: string[]): string {
  for (let n = 0; n < 100; n++) {
    const id = `j${n}`;
    if (new HashRing([...current, id]).owner(userId) === id) return id;
  }
  throw new Error(`no joiner id among j0-j99 takes ${userId}`);
}
