import { expect } from "chai";
import { setTimeout as sleep } from "node:timers/promises";
import { RingcastRest } from "../../client/rest.ts";
import { compareIds } from "../../server/inbox/inbox.ts";
import { HashRing } from "../../server/ring/hash-ring.ts";
import { io } from "socket.io-client";
import { WebSocket } from "ws";
import { PEER_PATH } from "../../server/bus/peer-links.ts";
import { connectSocket, eventually } from "../support/clients.ts";
import { closeFleet, connectFleet, type FleetUser } from "../support/fleet.ts";
import { type ClusterProcess, OPERATOR_TOKEN, spawnGateway, spawnMember } from "../support/processes.ts";
import { counterDelta, settledClusterView } from "../support/cluster-view.ts";
import { buildLargeSchool, seedSchool, sharedRedis, uniquePrefix } from "../support/redis.ts";

const SCHOOL = buildLargeSchool(10); // 300 students in 10 classes of 30
const STUDENTS = SCHOOL.users.filter((u) => u.role === "student").map((u) => u.id);
const LEASE_MS = 2000;
/** After a ring change, notices also go to a user's earlier owners for this long (the handoff). */
const SETTLE_MS = 10_000;
const HASH_ENV = {
  RINGCAST_MODE: "hash",
  RINGCAST_LEASE_MS: String(LEASE_MS),
  RINGCAST_HEARTBEAT_MS: "500",
  RINGCAST_HANDOFF_SETTLE_MS: String(SETTLE_MS),
};

describe("hash mode: gateway + member processes, 300 stock clients", function () {
  this.timeout(90_000);
  let redisUrl: string;
  let prefix: string;
  const members = new Map<string, ClusterProcess>();
  let gateway: ClusterProcess;
  let users: FleetUser[] = [];
  let ringFormedAt = 0;
  const teacherTokens = new Map<string, string>();

  const ringOf = (ids: string[]) => new HashRing(ids);
  const classOf = (userId: string) => `c-${Math.floor(Number(userId.slice(1)) / 30)}`;
  const teacherOf = (userId: string) => `t-${classOf(userId).slice(2)}`;

  async function addMember(id: string): Promise<ClusterProcess> {
    const member = await spawnMember({ redisUrl, prefix, nodeId: id, env: HASH_ENV });
    members.set(id, member);
    return member;
  }

  /** Sends a class message to every class through `url`; resolves when all 300 users got it. */
  async function reachEveryone(url: string, body: string): Promise<void> {
    const counts = new Map(users.map((u) => [u.id, u.inbox.messages.length]));
    const api = new RingcastRest(url);
    for (const c of SCHOOL.classes) await api.send(teacherTokens.get(c.teacherId)!, { to: { class: c.id }, body });
    await Promise.all(users.map((u) => u.inbox.waitFor(counts.get(u.id)! + 1, 10_000)));
    for (const u of users) expect(u.inbox.messages.at(-1)!.body, u.id).to.equal(body);
  }

  async function clusterView(url: string) {
    return new RingcastRest(url).cluster(OPERATOR_TOKEN);
  }

  before(async () => {
    redisUrl = (await sharedRedis()).url;
    prefix = uniquePrefix("hash");
    await seedSchool(redisUrl, prefix, SCHOOL);
    await Promise.all(["a", "b", "c"].map(addMember));
    ringFormedAt = Date.now();
    gateway = await spawnGateway({ redisUrl, prefix, mode: "hash" });
    for (const c of SCHOOL.classes) teacherTokens.set(c.teacherId, await new RingcastRest(gateway.url).login(c.teacherId, "correct-horse-battery").then((s) => s.token));
    users = await connectFleet(gateway.url, STUDENTS);
  });

  after(async () => {
    closeFleet(users);
    await Promise.all([gateway?.stop(), ...[...members.values()].map((m) => m.stop())]);
  });

  it("puts each of the 300 users on its ring owner", async () => {
    const ring = ringOf(["a", "b", "c"]);
    for (const u of users) expect(u.member, u.id).to.equal(ring.owner(u.id));
    await eventually(async () => (await clusterView(gateway.url)).totalSockets === 300, 5000);
    const view = await clusterView(gateway.url);
    expect(view.mode).to.equal("hash");
    expect(view.members.map((m) => m.sockets)).to.deep.equal(["a", "b", "c"].map((id) => users.filter((u) => u.member === id).length));
    for (const share of view.members.map((m) => m.ringShare!)) expect(share).to.be.closeTo(1 / 3, 0.05);
  });

  it("a second gateway routes every user to the same member as the first (they read one ring)", async () => {
    const second = await spawnGateway({ redisUrl, prefix, mode: "hash" });
    const sample = STUDENTS.filter((_, i) => i % 15 === 0); // 20 users
    const fleet = await connectFleet(second.url, sample);
    try {
      for (const u of fleet) expect(u.member, u.id).to.equal(users.find((x) => x.id === u.id)!.member);
    } finally {
      closeFleet(fleet);
      await second.stop();
    }
  });

  it("tells a client which member to connect to directly (GET /api/route)", async () => {
    const ring = ringOf(["a", "b", "c"]);
    for (const u of users.slice(0, 30)) {
      const route = await new RingcastRest(gateway.url).route(u.token);
      expect(route.member.id, u.id).to.equal(ring.owner(u.id));
      expect(route.member.url).to.equal(members.get(route.member.id)!.url);
      expect(route.mode).to.equal("hash");
    }
  });

  it("makes only the recipient's owner do adapter work for a direct message", async () => {
    const recipient = users.find((u) => u.member === "b")!;
    // Until the handoff settles, the recipient's owners under the rings {a}, {a,b}... hear it too.
    await sleep(Math.max(0, ringFormedAt + SETTLE_MS + 1000 - Date.now()));
    const before = await settledClusterView(gateway.url, OPERATOR_TOKEN);
    const count = recipient.inbox.messages.length;
    await new RingcastRest(members.get("a")!.url).send(teacherTokens.get(teacherOf(recipient.id))!, { to: { user: recipient.id }, body: "only b" });
    await recipient.inbox.waitFor(count + 1);
    const after = await settledClusterView(gateway.url, OPERATOR_TOKEN);
    expect(counterDelta(before, after, "received")).to.deep.equal([0, 1, 0]);
    expect(counterDelta(before, after, "deliveredLocally")).to.deep.equal([0, 1, 0]);
    expect(counterDelta(before, after, "published")).to.deep.equal([1, 0, 0]);
  });

  it("relays no peer-link upgrade from outside: the gateway answers 404", async () => {
    const status = await new Promise<number>((resolve) => {
      const ws = new WebSocket(`${gateway.url.replace(/^http/, "ws")}${PEER_PATH}`);
      ws.on("unexpected-response", (_req, res) => resolve(res.statusCode ?? 0));
      ws.on("open", () => {
        ws.close();
        resolve(101);
      });
      ws.on("error", () => undefined);
    });
    expect(status).to.equal(404);
  });

  it("delivers a class message to every student of the class and to nobody else", async () => {
    const counts = new Map(users.map((u) => [u.id, u.inbox.messages.length]));
    const api = new RingcastRest(members.get("c")!.url);
    const receipt = await api.send(teacherTokens.get("t-3")!, { to: { class: "c-3" }, body: "for c-3" });
    // Each student is online on its owner (a, b or c), which is the one member asked.
    expect(receipt.receipts.map((r) => r.status)).to.deep.equal(Array(30).fill("live"));
    for (const c of SCHOOL.classes.filter((k) => k.id !== "c-3")) {
      await api.send(teacherTokens.get(c.teacherId)!, { to: { class: c.id }, body: "fence" });
    }
    for (const u of users) {
      const got = await u.inbox.waitFor(counts.get(u.id)! + 1);
      expect(got.slice(counts.get(u.id)).map((m) => m.body), u.id).to.deep.equal([classOf(u.id) === "c-3" ? "for c-3" : "fence"]);
    }
  });

  it("refuses a stale client that connects straight to a non-owner; the gateway gets it in", async () => {
    const user = users.find((u) => u.member === "a")!;
    const stale = io(members.get("c")!.url, { query: { token: user.token }, forceNew: true, reconnection: false });
    const refusal = await new Promise<Error & { description?: number }>((resolve) => stale.once("connect_error", resolve));
    stale.close();
    expect(refusal.message).to.equal("xhr poll error"); // HTTP 403 at the handshake: a stock client retries
    // A token only in `auth` cannot be routed: refused with a clear, final connect_error.
    const authOnly = await connectSocket(members.get("c")!.url, { token: user.token }).catch((e: Error & { data?: { code: string } }) => e);
    expect((authOnly as Error & { data?: { code: string } }).data?.code).to.equal("wrong_member");
    const viaGateway = io(gateway.url, { query: { token: user.token }, forceNew: true, reconnection: false });
    const session = await new Promise<{ member: string }>((resolve) => viaGateway.once("ringcast:session", resolve));
    viaGateway.close();
    expect(session.member).to.equal("a");
  });

  it("when a 4th member joins, disconnects about the users whose owner changed, and reaches everyone after", async () => {
    const before = ringOf(["a", "b", "c"]);
    const after = ringOf(["a", "b", "c", "d"]);
    const moved = users.filter((u) => before.owner(u.id) !== after.owner(u.id));
    for (const u of users) u.drops = 0;
    await addMember("d");
    // Sent while users are moving: each must still get it exactly once.
    await reachEveryone(members.get("a")!.url, "during the join");
    await eventually(() => users.every((u) => u.member === after.owner(u.id)), 30_000, 200);
    const dropped = users.filter((u) => u.drops > 0);
    expect(moved.length).to.be.within(50, 110); // about a quarter of 300
    expect(Math.abs(dropped.length - moved.length)).to.be.at.most(3);
    expect(dropped.every((u) => after.owner(u.id) === "d")).to.equal(true);
    await new Promise((r) => setTimeout(r, 1000));
    await reachEveryone(gateway.url, "after the join");
  });

  it("after kill -9 of a member, its users come back on the others and receive messages", async () => {
    const victims = users.filter((u) => u.member === "b");
    expect(victims.length).to.be.greaterThan(0);
    const killedAt = Date.now();
    await members.get("b")!.kill();
    members.delete("b");
    // Sent while b's users are cut off: stored, then replayed to them on their new members.
    await reachEveryone(members.get("a")!.url, "during the failover");
    const survivors = ringOf(["a", "c", "d"]);
    await eventually(() => victims.every((u) => u.member === survivors.owner(u.id)), 20_000, 100);
    const recoveredMs = Date.now() - killedAt;
    if (process.env.RINGCAST_TEST_TIMINGS) console.log(`      all ${victims.length} users of b back after ${recoveredMs} ms`);
    await reachEveryone(gateway.url, "after the kill");
  });

  it("on SIGTERM a member deregisters, closes its sockets, and its users re-home by themselves", async () => {
    const leaving = users.filter((u) => u.member === "c");
    expect(leaving.length).to.be.greaterThan(0);
    await members.get("c")!.stop();
    members.delete("c");
    const remaining = ringOf(["a", "d"]);
    await eventually(() => users.every((u) => u.member === remaining.owner(u.id)), 20_000, 100);
    expect(leaving.every((u) => u.socket.connected)).to.equal(true);
    await reachEveryone(gateway.url, "after the drain");
  });

  it("never showed any user a message twice or out of order", () => {
    for (const u of users) {
      const ids = u.inbox.messages.map((m) => m.id);
      expect(new Set(ids).size, u.id).to.equal(ids.length);
      expect(ids.every((id, i) => i === 0 || compareIds(ids[i - 1]!, id) < 0), u.id).to.equal(true);
    }
  });
});
