import { expect } from "chai";
import { compareIds, type MessageDraft } from "../../server/inbox/inbox.ts";
import { decodeNotice, type Notice } from "../../server/inbox/notice.ts";
import { ReceiptCursors } from "../../server/inbox/receipts.ts";
import { RedisInbox } from "../../server/inbox/redis-inbox.ts";
import type { Target } from "../../server/messaging/message.ts";
import type { RedisClient } from "../../server/redis/connect.ts";
import { claimLogGroups } from "../../server/redis/dataset-marker.ts";
import { type LogGroups, logGroups } from "../../server/redis/log-groups.ts";
import { onMessage, subscribe } from "../../server/redis/pubsub.ts";
import { RedisSchoolStore } from "../../server/school/redis-school-store.ts";
import { spawnMember } from "../support/processes.ts";
import { seedSchool, sharedRedis, testGroups, testKeys, testPrefix, testRedisClient, uniquePrefix } from "../support/redis.ts";

const GROUPS = 3;
const toClass: Target = { type: "class", id: "c1" };
const draft = (body: string, from: string, to: Target): MessageDraft => ({ from: { id: from, name: from }, to, body, sentAt: new Date().toISOString() });

/** The message logs split into three groups, on whichever topology the suite runs (one Redis: three prefixes). */
describe("inbox: message logs split into log groups", () => {
  let redis: RedisClient;
  let url: string;
  let groups: LogGroups;
  let store: RedisInbox;
  let school: RedisSchoolStore;
  /** One student per group, and the teacher (in the first student's group or another). */
  let students: string[];
  const teacher = "t1";

  before(async () => {
    url = (await sharedRedis()).url;
    redis = testRedisClient(url, { lazyConnect: true });
    await redis.connect();
  });

  after(() => redis.disconnect());

  beforeEach(async () => {
    const prefix = uniquePrefix("groups");
    groups = logGroups(testPrefix(url, prefix), GROUPS);
    store = new RedisInbox(redis, groups, { maxLength: 1000, maxAgeMs: 3_600_000 });
    school = new RedisSchoolStore(redis, testKeys(url, prefix), groups);
    const candidates = Array.from({ length: 60 }, (_, i) => `s${String(i).padStart(3, "0")}`);
    students = [0, 1, 2].map((g) => candidates.find((id) => groups.of(id) === g)!);
    await school.saveClass({ id: "c1", name: "One", teacherId: teacher, studentIds: students });
  });

  it("keeps each user's class set in its group, and answers shareAClass across groups", async () => {
    for (const id of [...students, teacher]) {
      expect(await redis.smembers(groups.keysOf(id).userClasses(id))).to.deep.equal(["c1"]);
      expect(await school.classIdsOf(id)).to.deep.equal(["c1"]);
    }
    expect(await school.shareAClass(students[0]!, students[1]!)).to.equal(true);
    expect(await school.shareAClass(students[0]!, "nobody")).to.equal(false);
  });

  it("stores a class message once per group; each student reads its group's copy, whose id names the group", async () => {
    const id = await store.append(draft("hello", teacher, toClass));
    expect(groups.ofId(id)).to.equal(groups.of(teacher));
    for (let g = 0; g < GROUPS; g++) expect(await redis.xlen(groups.keys(g).classLog("c1"))).to.equal(1);
    for (const student of students) {
      const page = await store.readAfter(student, "0-0", 10);
      expect(page.messages.map((m) => m.body)).to.deep.equal(["hello"]);
      expect(groups.ofId(page.messages[0]!.id)).to.equal(groups.of(student));
    }
  });

  it("stores a direct message in its recipient's group only, and merges it in id order with the class copies there", async () => {
    const [a, b] = [students[0]!, students[1]!];
    await store.append(draft("class one", teacher, toClass));
    const direct = await store.append(draft("to a", b, { type: "user", id: a }));
    await store.append(draft("class two", teacher, toClass));
    expect(groups.ofId(direct)).to.equal(groups.of(a));
    for (let g = 0; g < GROUPS; g++) expect(await redis.exists(groups.keys(g).directLog(a, b))).to.equal(g === groups.of(a) ? 1 : 0);
    const page = await store.readAfter(a, "0-0", 10);
    expect(page.messages.map((m) => m.body)).to.deep.equal(["class one", "to a", "class two"]);
    const ids = page.messages.map((m) => m.id);
    expect([...ids].sort(compareIds)).to.deep.equal(ids);
    expect((await store.readAfter(b, "0-0", 10)).messages.map((m) => m.body)).to.deep.equal(["class one", "class two"]);
  });

  it("finds a sent message by the id its sender got, with its copy in every group, and tells who has it", async () => {
    const id = await store.append(draft("status", teacher, toClass));
    const sent = await store.locate(teacher, id);
    expect(sent).to.deep.include({ to: toClass, kept: true });
    expect(sent!.copies).to.have.length(GROUPS);
    const receipts = new ReceiptCursors(redis, groups, { flushMs: 10 });
    const reader = students[1]!;
    const { messages } = await store.readAfter(reader, "0-0", 10);
    expect(sent!.copies[groups.of(reader)]).to.equal(messages[0]!.id);
    receipts.advance(reader, messages[0]!.id);
    await receipts.close();
    expect([...(await receipts.reached(students, sent!.copies))]).to.deep.equal([reader]);
    expect(await store.locate(students[0]!, id)).to.equal(undefined);
    const direct = await store.append(draft("dm", students[0]!, { type: "user", id: students[2]! }));
    expect((await store.locate(students[0]!, direct))!.copies[groups.of(students[2]!)]).to.equal(direct);
  });

  it("records the dataset's number of groups once, and refuses another with the setting to use", async () => {
    const prefix = testPrefix(url, uniquePrefix("groups-claim"));
    await claimLogGroups(redis, prefix, 3);
    await claimLogGroups(redis, prefix, 3);
    const refusal = await claimLogGroups(redis, prefix, 1).catch((err: Error) => err);
    expect(refusal).to.be.instanceOf(Error);
    expect((refusal as Error).message).to.match(/RINGCAST_LOG_GROUPS is 1.*laid out in 3 log group\(s\).*RINGCAST_LOG_GROUPS=3/);
  });

  it("a member set to another number of groups than its data refuses to start, naming the number to set", async function () {
    this.timeout(30_000);
    const prefix = uniquePrefix("groups-member");
    await seedSchool(url, prefix);
    const recorded = testGroups(url, prefix).count;
    const refusal = await spawnMember({ redisUrl: url, prefix, nodeId: "m-groups", env: { RINGCAST_LOG_GROUPS: String(recorded + 1) } }).then(
      async (member) => {
        await member.stop();
        return undefined;
      },
      (err: Error) => err.message,
    );
    expect(refusal).to.be.a("string");
    expect(refusal).to.match(new RegExp(`laid out in ${recorded} log group\\(s\\): set RINGCAST_LOG_GROUPS=${recorded}`));
  });

  it("publishes each group's notices on that group's channel, to that group's recipients only", async () => {
    const sub = testRedisClient(url);
    const heard: [string, Notice][] = [];
    onMessage(sub, (channel, text) => heard.push([channel, decodeNotice(text)!]));
    for (let g = 0; g < GROUPS; g++) await subscribe(sub, groups.keys(g).notices("m1"));
    await store.append(draft("all", teacher, toClass), [{ member: "m1", userIds: students }]);
    for (let i = 0; i < 50 && heard.length < GROUPS; i++) await new Promise((resolve) => setTimeout(resolve, 20));
    sub.disconnect();
    const byChannel = new Map(heard.map(([channel, notice]) => [channel, notice]));
    expect(byChannel.size).to.equal(GROUPS);
    for (const student of students) {
      const notice = byChannel.get(groups.keysOf(student).notices("m1"))!;
      expect(notice.userIds).to.deep.equal([student]);
      expect(groups.ofId(notice.message.id)).to.equal(groups.of(student));
    }
  });
});
