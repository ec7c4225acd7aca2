import { expect } from "chai";
import { Redis } from "ioredis";
import { compareIds, type MessageDraft } from "../../server/inbox/inbox.ts";
import { RedisInbox } from "../../server/inbox/redis-inbox.ts";
import { redisKeys } from "../../server/redis/keys.ts";
import { sharedRedis, uniquePrefix } from "../support/redis.ts";

const draft = (body: string): MessageDraft => ({
  from: { id: "t-ada", name: "Ada Lovelace" },
  to: { type: "class", id: "math-7a" },
  body,
  sentAt: new Date().toISOString(),
});

describe("inbox: per-user message logs in Redis Streams", () => {
  let redis: Redis;

  before(async () => {
    redis = new Redis((await sharedRedis()).url, { lazyConnect: true });
    await redis.connect();
  });

  after(() => redis.disconnect());

  const inbox = (options = { maxLength: 1000, maxAgeMs: 3_600_000 }) => new RedisInbox(redis, redisKeys(uniquePrefix("inbox")), options);

  it("appends one message to every recipient under one id, and ids only grow", async () => {
    const store = inbox();
    const first = await store.append(draft("one"), ["s001", "s002"]);
    const second = await store.append(draft("two"), ["s002"]);
    expect(compareIds(second, first)).to.be.greaterThan(0);
    expect((await store.readAfter("s001", "0-0", 10)).messages.map((m) => [m.id, m.body])).to.deep.equal([[first, "one"]]);
    const s002 = await store.readAfter("s002", "0-0", 10);
    expect(s002.messages.map((m) => m.id)).to.deep.equal([first, second]);
    expect(s002.messages[0]).to.deep.include({ from: { id: "t-ada", name: "Ada Lovelace" }, to: { type: "class", id: "math-7a" } });
    expect(s002.truncated).to.equal(false);
  });

  it("reads strictly after a cursor, oldest first, at most `count` at a time", async () => {
    const store = inbox();
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push(await store.append(draft(`m${i}`), ["s001"]));
    const page = await store.readAfter("s001", ids[1]!, 2);
    expect(page.messages.map((m) => m.body)).to.deep.equal(["m2", "m3"]);
    expect((await store.readAfter("s001", ids[4]!, 10)).messages).to.deep.equal([]);
    expect(await store.tail("s001")).to.equal(ids[4]);
    expect(await store.tail("nobody")).to.equal("0-0");
  });

  it("keeps at most maxLength messages and says so to a reader whose cursor fell behind", async () => {
    const store = inbox({ maxLength: 3, maxAgeMs: 3_600_000 });
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) ids.push(await store.append(draft(`m${i}`), ["s001"]));
    const behind = await store.readAfter("s001", ids[0]!, 10);
    expect(behind.messages.map((m) => m.body)).to.deep.equal(["m3", "m4", "m5"]);
    expect(behind.truncated).to.equal(true);
    const current = await store.readAfter("s001", ids[2]!, 10);
    expect(current.truncated).to.equal(false);
    expect(current.messages.map((m) => m.body)).to.deep.equal(["m3", "m4", "m5"]);
  });

  it("trims messages older than maxAgeMs at the next append", async () => {
    const store = inbox({ maxLength: 1000, maxAgeMs: 50 });
    const old = await store.append(draft("old"), ["s001"]);
    await new Promise((r) => setTimeout(r, 120));
    await store.append(draft("new"), ["s001"]);
    const page = await store.readAfter("s001", "0-0", 10);
    expect(page.messages.map((m) => m.body)).to.deep.equal(["new"]);
    expect((await store.readAfter("s001", "0-0", 10)).truncated).to.equal(true);
    expect(compareIds(old, "0-0")).to.be.greaterThan(0);
  });
});
