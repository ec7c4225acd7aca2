import { expect } from "chai";
import { RingcastRest } from "../../client/rest.ts";
import { buildDemoSchool } from "../../server/school/demo-school.ts";
import { type ClientSocket, closeAll, connectSocket, eventually, Inbox, tokenFor } from "../support/clients.ts";
import { type ClusterProcess, OPERATOR_TOKEN, spawnMember } from "../support/processes.ts";
import { counterDelta, settledClusterView } from "../support/cluster-view.ts";
import type { LogGroups } from "../../server/redis/log-groups.ts";
import { seedSchool, sharedRedis, testGroups, uniquePrefix } from "../support/redis.ts";

const MATH_7A = buildDemoSchool().classes.find((c) => c.id === "math-7a")!;
const OUTSIDER = "s031"; // grade 8: not in math-7a, but taught by t-ada in math-8b

describe("broadcast cluster: three member processes sharing one Redis", function () {
  this.timeout(60_000);
  let members: ClusterProcess[] = [];
  let sockets: ClientSocket[] = [];
  const inboxes = new Map<string, Inbox>();
  let teacherToken: string;
  let api: RingcastRest;
  let groups: LogGroups;

  before(async () => {
    const redis = await sharedRedis();
    const prefix = uniquePrefix("cluster");
    groups = testGroups(redis.url, prefix);
    await seedSchool(redis.url, prefix);
    members = await Promise.all(
      ["a", "b", "c"].map((id) => spawnMember({ redisUrl: redis.url, prefix, nodeId: `member-${id}` })),
    );
    api = new RingcastRest(members[0]!.url);
    teacherToken = await tokenFor(members[0]!.url, "t-ada");
    // 30 students of math-7a and one outsider, spread round-robin over A, B and C.
    const userIds = [...MATH_7A.studentIds, OUTSIDER];
    sockets = await Promise.all(
      userIds.map(async (userId, i) => {
        const member = members[i % members.length]!;
        const socket = await connectSocket(member.url, { token: await tokenFor(member.url, userId) });
        inboxes.set(userId, new Inbox(socket));
        return socket;
      }),
    );
  });

  after(async () => {
    closeAll(sockets);
    await Promise.all(members.map((m) => m.stop()));
  });

  it("lists the three members and their sockets in /api/cluster", async () => {
    await eventually(async () => (await api.cluster(OPERATOR_TOKEN)).totalSockets === 31, 5000);
    const view = await api.cluster(OPERATOR_TOKEN);
    expect(view.mode).to.equal("broadcast");
    expect(view.members.map((m) => m.id)).to.deep.equal(["member-a", "member-b", "member-c"]);
    expect(view.members.map((m) => m.sockets)).to.deep.equal([11, 10, 10]);
  });

  it("delivers a class message posted to member A to all 30 students on A, B and C, and to no one else", async () => {
    const receipt = await api.send(teacherToken, { to: { class: "math-7a" }, body: "Test on Friday" });
    expect(receipt.recipients).to.equal(30);
    // Fence: a later direct message to the outsider, published by the same member after the
    // class message; once it arrives, the class message has been seen by every member.
    await api.send(teacherToken, { to: { user: OUTSIDER }, body: "fence" });
    await inboxes.get(OUTSIDER)!.waitFor(1);
    for (const studentId of MATH_7A.studentIds) {
      const [message] = await inboxes.get(studentId)!.waitFor(1);
      expect(message).to.include({ body: "Test on Friday" });
      // One id per log group (one group on a single Redis): the sender's is its own group's copy.
      expect(groups.ofId(message!.id)).to.equal(groups.of(studentId));
      if (groups.of(studentId) === groups.of("t-ada")) expect(message!.id).to.equal(receipt.id);
      expect(message!.from).to.deep.equal({ id: "t-ada", name: "Ada Lovelace" });
      expect(message!.to).to.deep.equal({ type: "class", id: "math-7a" });
      expect(Date.parse(message!.sentAt)).to.be.closeTo(Date.now(), 60_000);
    }
    expect(inboxes.get(OUTSIDER)!.messages.map((m) => m.body)).to.deep.equal(["fence"]);
  });

  it("delivers a direct message to its one recipient only, across members", async () => {
    const before = new Map([...inboxes].map(([id, inbox]) => [id, inbox.messages.length]));
    // s001 is on member A; it writes to its classmate s002 (on B) through a socket on A.
    const sender = inboxes.get("s001")!.socket;
    const ack = await sender.emitWithAck("message:send", { to: { user: "s002" }, body: "lunch?" });
    expect(ack).to.include({ ok: true, recipients: 1 });
    await api.send(teacherToken, { to: { class: "math-7a" }, body: "fence" });
    for (const [userId, inbox] of inboxes) {
      if (userId === OUTSIDER) continue;
      const expected = userId === "s002" ? ["lunch?", "fence"] : ["fence"];
      const got = await inbox.waitFor(before.get(userId)! + expected.length);
      expect(got.slice(before.get(userId)).map((m) => m.body), userId).to.deep.equal(expected);
    }
    expect(inboxes.get("s002")!.messages.at(-2)!.from.id).to.equal("s001");
  });

  it("makes the cost of broadcasting visible: every member hears a direct message's notice, one delivers it", async () => {
    const url = members[0]!.url;
    const before = await settledClusterView(url, OPERATOR_TOKEN);
    const recipient = inboxes.get("s002")!; // connected to member B
    const count = recipient.messages.length;
    await api.send(teacherToken, { to: { user: "s002" }, body: "counted" }); // posted to member A
    await recipient.waitFor(count + 1);
    const after = await settledClusterView(url, OPERATOR_TOKEN);
    expect(counterDelta(before, after, "published")).to.deep.equal([1, 0, 0]);
    // The notice is published by the append, so the sender's own member hears it from Redis too.
    expect(counterDelta(before, after, "received")).to.deep.equal([1, 1, 1]);
    expect(counterDelta(before, after, "deliveredLocally")).to.deep.equal([0, 1, 0]);
  });
});
