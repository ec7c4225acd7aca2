import { expect } from "chai";
import { compareIds, type MessageDraft } from "../../server/inbox/inbox.ts";
import { decodeNotice, type Notice } from "../../server/inbox/notice.ts";
import { RedisInbox } from "../../server/inbox/redis-inbox.ts";
import type { Target } from "../../server/messaging/message.ts";
import type { RedisKeys } from "../../server/redis/keys.ts";
import { singleGroup } from "../../server/redis/log-groups.ts";
import { sharedRedis, testKeys, testRedisClient, uniquePrefix } from "../support/redis.ts";
import { onMessage, subscribe } from "../../server/redis/pubsub.ts";
import type { RedisClient } from "../../server/redis/connect.ts";

const toClass: Target = { type: "class", id: "math-7a" };
const draft = (body: string, from = "t-ada", to: Target = toClass): MessageDraft => ({
  from: { id: from, name: from },
  to,
  body,
  sentAt: new Date().toISOString(),
});
const toUser = (id: string): Target => ({ type: "user", id });

describe("inbox: message logs per conversation in Redis Streams", () => {
  let redis: RedisClient;
  let url: string;

  before(async () => {
    url = (await sharedRedis()).url;
    redis = testRedisClient(url, { lazyConnect: true });
    await redis.connect();
  });

  after(() => redis.disconnect());

  /** A store whose class math-7a has the teacher t-ada and the students s001, s002. */
  async function inbox(options = { maxLength: 1000, maxAgeMs: 3_600_000 }): Promise<{ store: RedisInbox; keys: RedisKeys }> {
    const keys = testKeys(url, uniquePrefix("inbox"));
    for (const user of ["t-ada", "s001", "s002"]) await redis.sadd(keys.userClasses(user), "math-7a");
    return { store: new RedisInbox(redis, singleGroup(keys), options), keys };
  }

  it("stores a class message once, and every member of the class reads it under one id", async () => {
    const { store, keys } = await inbox();
    const first = await store.append(draft("one"));
    const second = await store.append(draft("two"));
    expect(compareIds(second, first)).to.be.greaterThan(0);
    expect(await redis.xlen(keys.classLog("math-7a"))).to.equal(2);
    for (const student of ["s001", "s002"]) {
      const page = await store.readAfter(student, "0-0", 10);
      expect(page.messages.map((m) => [m.id, m.body])).to.deep.equal([
        [first, "one"],
        [second, "two"],
      ]);
      expect(page.messages[0]).to.deep.include({ from: { id: "t-ada", name: "t-ada" }, to: toClass });
      expect(page.truncated).to.equal(false);
    }
  });

  it("merges a user's class and direct logs in id order; a direct message reaches only its recipient", async () => {
    const { store } = await inbox();
    const ids = [
      await store.append(draft("class 1")),
      await store.append(draft("dm from s002", "s002", toUser("s001"))),
      await store.append(draft("class 2")),
      await store.append(draft("dm from teacher", "t-ada", toUser("s001"))),
    ];
    const page = await store.readAfter("s001", "0-0", 10);
    expect(page.messages.map((m) => m.id)).to.deep.equal(ids);
    expect(page.messages.map((m) => m.body)).to.deep.equal(["class 1", "dm from s002", "class 2", "dm from teacher"]);
    expect((await store.readAfter("s002", "0-0", 10)).messages.map((m) => m.body)).to.deep.equal(["class 1", "class 2"]);
  });

  it("reads strictly after a cursor, at most `count` at a time, and knows the newest id", async () => {
    const { store } = await inbox();
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push(await store.append(i % 2 ? draft(`m${i}`, "s002", toUser("s001")) : draft(`m${i}`)));
    const page = await store.readAfter("s001", ids[1]!, 2);
    expect(page.messages.map((m) => m.body)).to.deep.equal(["m2", "m3"]);
    expect(page).to.include({ position: ids[3], more: true });
    const last = await store.readAfter("s001", ids[3]!, 2);
    expect(last.messages.map((m) => m.body)).to.deep.equal(["m4"]);
    expect(last.more).to.equal(false);
    expect((await store.readAfter("s001", ids[4]!, 10)).messages).to.deep.equal([]);
    expect(await store.tail("s001")).to.equal(ids[4]);
    expect(await store.tail("s002")).to.equal(ids[4]);
    expect(await store.tail("nobody")).to.equal("0-0");
  });

  it("does not give a teacher its own class messages, but moves its cursor past them", async () => {
    const { store } = await inbox();
    const own = await store.append(draft("to my class"));
    const reply = await store.append(draft("a question", "s001", toUser("t-ada")));
    const page = await store.readAfter("t-ada", "0-0", 1);
    expect(page.messages).to.deep.equal([]);
    expect(page).to.include({ position: own, more: true });
    expect((await store.readAfter("t-ada", page.position, 10)).messages.map((m) => m.id)).to.deep.equal([reply]);
  });

  it("publishes each append's notice, with the message and the id before it in its log, in id order", async () => {
    const { store, keys } = await inbox();
    const sub = testRedisClient(url);
    const heard: Notice[] = [];
    onMessage(sub, (_channel, text) => heard.push(decodeNotice(text)!));
    await subscribe(sub, keys.notices("m1"), keys.notices("m2"));
    const first = await store.append(draft("one"), [{ member: "m1", userIds: ["s001"] }, { member: "m2", userIds: ["s002"] }]);
    const direct = await store.append(draft("two", "t-ada", toUser("s001")), [{ member: "m1", userIds: ["s001"] }]);
    const second = await store.append(draft("three"), [{ member: "m2", userIds: ["s002"] }]);
    for (let i = 0; i < 50 && heard.length < 4; i++) await new Promise((resolve) => setTimeout(resolve, 20));
    sub.disconnect();
    expect(heard.map((n) => [n.message.id, n.prev, n.userIds])).to.deep.equal([
      [first, "0-0", ["s001"]],
      [first, "0-0", ["s002"]],
      [direct, "0-0", ["s001"]],
      [second, first, ["s002"]],
    ]);
    expect(heard[2]!.message).to.deep.include({ body: "two", to: toUser("s001"), from: { id: "t-ada", name: "t-ada" } });
  });

  it("keeps at most maxLength messages per log and says so to a reader whose cursor fell behind", async () => {
    const { store } = await inbox({ maxLength: 3, maxAgeMs: 3_600_000 });
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) ids.push(await store.append(draft(`m${i}`)));
    const behind = await store.readAfter("s001", ids[0]!, 10);
    expect(behind.messages.map((m) => m.body)).to.deep.equal(["m3", "m4", "m5"]);
    expect(behind.truncated).to.equal(true);
    const current = await store.readAfter("s001", ids[2]!, 10);
    expect(current.truncated).to.equal(false);
    expect(current.messages.map((m) => m.body)).to.deep.equal(["m3", "m4", "m5"]);
    expect(await store.locate("t-ada", ids[0]!)).to.deep.include({ to: toClass, kept: false });
    expect(await store.locate("t-ada", ids[5]!)).to.deep.include({ to: toClass, kept: true });
    expect(await store.locate("s001", ids[5]!)).to.equal(undefined); // only its sender finds it
  });

  it("a flood of direct messages from one classmate pushes out only that classmate's own messages", async () => {
    const { store } = await inbox({ maxLength: 50, maxAgeMs: 3_600_000 });
    const teacherClass = await store.append(draft("homework is due friday"));
    const teacherDirect = await store.append(draft("see me after class", "t-ada", toUser("s001")));
    const spam: string[] = [];
    for (let i = 0; i < 200; i++) spam.push(await store.append(draft(`spam ${i}`, "s002", toUser("s001"))));
    const page = await store.readAfter("s001", "0-0", 1000);
    expect(page.messages.slice(0, 2).map((m) => m.id)).to.deep.equal([teacherClass, teacherDirect]);
    expect(page.messages.slice(2).map((m) => m.id)).to.deep.equal(spam.slice(-50));
    expect(page.truncated).to.equal(true); // the classmate's first 150 are gone, and the reader is told
    expect(await store.locate("t-ada", teacherClass)).to.deep.include({ to: toClass, kept: true });
  });

  it("pages a user's history backwards over every log it follows, without its own messages", async () => {
    const { store } = await inbox();
    const ids = [
      await store.append(draft("class 1")),
      await store.append(draft("dm 1", "s002", toUser("s001"))),
      await store.append(draft("my question", "s001", toUser("t-ada"))),
      await store.append(draft("class 2")),
      await store.append(draft("dm 2", "s002", toUser("s001"))),
    ];
    const newest = await store.readBefore("s001", undefined, 2);
    expect(newest.messages.map((m) => m.body)).to.deep.equal(["class 2", "dm 2"]);
    expect(newest).to.include({ before: ids[3], newest: ids[4] });
    const older = await store.readBefore("s001", newest.before, 10);
    expect(older.messages.map((m) => m.body)).to.deep.equal(["class 1", "dm 1"]);
    expect(older.before).to.equal(undefined);
    const teacher = await store.readBefore("t-ada", undefined, 10);
    expect(teacher.messages.map((m) => m.body)).to.deep.equal(["my question"]); // not its own class messages
    expect((await store.readBefore("nobody", undefined, 10)).messages).to.deep.equal([]);
  });

  it("a reader further behind than its pointer stream reaches still gets every direct message kept", async () => {
    const { store } = await inbox({ maxLength: 3, maxAgeMs: 3_600_000 }); // pointers kept: 4 x 3 = 12
    const quiet = await store.append(draft("from s002", "s002", toUser("s001")));
    const flood: string[] = [];
    for (let i = 0; i < 20; i++) flood.push(await store.append(draft(`from t-ada ${i}`, "t-ada", toUser("s001"))));
    const page = await store.readAfter("s001", "0-0", 100);
    expect(page.messages.map((m) => m.id)).to.deep.equal([quiet, ...flood.slice(-3)]);
    expect(page.truncated).to.equal(true);
    const recent = await store.readAfter("s001", flood[17]!, 100); // within the pointers' reach
    expect(recent.messages.map((m) => m.id)).to.deep.equal(flood.slice(-2));
    expect(recent.truncated).to.equal(false);
  });

  it("trims messages older than maxAgeMs at the log's next append", async () => {
    const { store } = await inbox({ maxLength: 1000, maxAgeMs: 50 });
    const old = await store.append(draft("old"));
    await new Promise((r) => setTimeout(r, 120));
    await store.append(draft("new"));
    const page = await store.readAfter("s001", "0-0", 10);
    expect(page.messages.map((m) => m.body)).to.deep.equal(["new"]);
    expect(page.truncated).to.equal(true);
    expect((await store.readAfter("s001", old, 10)).truncated).to.equal(false);
  });
});
