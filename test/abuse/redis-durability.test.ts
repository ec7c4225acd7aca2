import { expect } from "chai";
import { Redis } from "ioredis";
import { RestError, RingcastRest } from "../../client/rest.ts";
import type { LocalRedis } from "../../server/cli/local-redis.ts";
import { datasetMarkerKey } from "../../server/redis/dataset-marker.ts";
import { closeAll, type ClientSocket, connectInbox, connectSocket, eventually, tokenFor } from "../support/clients.ts";
import { startInProcessMember } from "../support/in-process.ts";
import { type ClusterProcess, spawnMember } from "../support/processes.ts";
import { privateRedis, seedSchool, sharedRedis, TEST_PASSWORD, testPrefix, testRedisClient, uniquePrefix } from "../support/redis.ts";

/** Limits other work adds must not refuse this test's traffic: it measures durability, not limits. */
const UNLIMITED = {
  RINGCAST_LIMIT_DIRECT_MESSAGES: "100000/1",
  RINGCAST_LIMIT_SOCKET_EVENTS: "100000/1",
  RINGCAST_INBOX_MAX_LENGTH: "100000",
};

async function readyz(url: string): Promise<{ status: number; body: { reason?: string } }> {
  const response = await fetch(`${url}/readyz`);
  return { status: response.status, body: (await response.json()) as { reason?: string } };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("Redis durability: kill -9 under traffic with appendfsync always", function () {
  this.timeout(90_000);
  let redis: LocalRedis;
  let member: ClusterProcess;

  before(async () => {
    redis = await privateRedis({ appendFsync: "always" });
    const prefix = uniquePrefix("durability");
    await seedSchool(redis.url, prefix);
    member = await spawnMember({ redisUrl: redis.url, prefix, nodeId: "durable", env: UNLIMITED });
  });

  after(async () => {
    await member?.stop();
    await redis?.stop();
  });

  it("loses none of the acknowledged messages: every one is replayed after Redis restarts", async () => {
    const api = new RingcastRest(member.url);
    const teacher = await tokenFor(member.url, "t-ada");
    const student = await tokenFor(member.url, "s001");
    const acknowledged: string[] = [];
    const refused = new Map<string, number>();
    let phase: "before" | "down" | "after" = "before";
    const ackedAfterRestart = () => acknowledged.length - ackedBeforeKill;
    let ackedBeforeKill = 0;
    let stop = false;

    // Four senders, each waiting for its answer: only a 201 counts as acknowledged.
    const sender = async (n: number): Promise<void> => {
      for (let i = 0; !stop && i < 20_000; i++) {
        try {
          const receipt = await api.send(teacher, { to: { user: "s001" }, body: `sender ${n} message ${i} (${phase})` });
          acknowledged.push(receipt.id);
        } catch (err) {
          const code = err instanceof RestError ? err.code : (err as Error).message;
          refused.set(code, (refused.get(code) ?? 0) + 1);
          await sleep(20);
        }
      }
    };
    const senders = [0, 1, 2, 3].map(sender);

    await sleep(2000); // a few seconds of traffic on each side of the crash
    await eventually(() => acknowledged.length >= 100, 20_000, 20);
    await redis.kill(); // SIGKILL: no shutdown, no save; only the append-only file is left
    ackedBeforeKill = acknowledged.length;
    phase = "down";
    await sleep(1000);
    await redis.restart();
    phase = "after";
    // Bounded: without persistence the member refuses everyone after the restart; the loss count says it.
    await sleep(2000);
    await eventually(() => ackedAfterRestart() >= 100, 15_000, 20).catch(() => undefined);
    stop = true;
    await Promise.all(senders);

    expect(refused.size, "sends were refused while Redis was down").to.be.greaterThan(0);
    const wrong = [...refused.keys()].filter((code) => ["forbidden", "invalid_token", "data_lost"].includes(code));
    expect(wrong, "refusals name the outage, never a lost account").to.deep.equal([]);
    const replay = await connectInbox(member.url, { token: student, lastMessageId: "0-0" });
    try {
      // Every acknowledged id, not a count: a send refused while Redis died may still have been
      // stored, and such extras would reach the count before the last acknowledged ones arrive.
      const arrived = (): boolean => {
        const ids = new Set(replay.messages.map((m) => m.id));
        return acknowledged.every((id) => ids.has(id));
      };
      await eventually(arrived, 20_000, 50).catch(() => undefined);
      const replayed = new Set(replay.messages.map((m) => m.id));
      const lost = acknowledged.filter((id) => !replayed.has(id));
      // The count the acceptance asks for, printed for the record.
      console.log(
        `      acknowledged ${acknowledged.length} (${ackedBeforeKill} before the kill), refused ${[...refused.values()].reduce((a, b) => a + b, 0)} ` +
          `(${[...refused.keys()].join(", ")}), replayed ${replayed.size}, lost ${lost.length}`,
      );
      expect(lost, `${lost.length} of ${acknowledged.length} acknowledged messages lost`).to.deep.equal([]);
      expect(replayed.size, "each message replayed once").to.equal(replay.messages.length);
      expect(ackedAfterRestart(), "messages acknowledged after the restart").to.be.greaterThan(0);
    } finally {
      replay.socket.close();
    }
    expect(member.alive()).to.equal(true);
  });
});

describe("Redis data lost under a running member", function () {
  this.timeout(60_000);
  let redis: LocalRedis;
  let member: ClusterProcess;
  let prefix: string;
  let teacher: string;
  let socket: ClientSocket;
  let admin: Redis;
  const send = (body: string) => new RingcastRest(member.url).send(teacher, { to: { user: "s001" }, body });
  const lossLines = () => member.output().split("\n").filter((line) => line.includes("Redis lost its data")).length;

  before(async () => {
    redis = await privateRedis(); // no persistence: a kill -9 empties it, as the Procfiles' Redis did
    prefix = uniquePrefix("dataloss");
    await seedSchool(redis.url, prefix);
    member = await spawnMember({ redisUrl: redis.url, prefix, nodeId: "lossy", env: UNLIMITED });
    teacher = await tokenFor(member.url, "t-ada");
    socket = await connectSocket(member.url, { token: await tokenFor(member.url, "s002") }, { reconnection: true });
    admin = new Redis(redis.url, { lazyConnect: true, maxRetriesPerRequest: 1 });
    admin.on("error", () => undefined);
  });

  after(async () => {
    closeAll([socket]);
    admin?.disconnect();
    await member?.stop();
    await redis?.stop();
  });

  it("serves before the loss", async () => {
    await send("before");
    expect((await readyz(member.url)).status).to.equal(200);
  });

  it("after Redis is killed and comes back empty: /readyz 503 naming the loss, sends answer data_lost (not 403)", async () => {
    await redis.kill();
    await redis.restart();
    await eventually(async () => (await readyz(member.url)).body.reason?.includes("dataset marker missing") === true, 15_000);
    const ready = await readyz(member.url);
    expect(ready.status).to.equal(503);
    expect(ready.body.reason).to.equal("Redis lost its data (dataset marker missing): restore it or re-seed");

    const error = await send("into the void").catch((e: unknown) => e);
    expect(error).to.be.instanceOf(RestError).and.include({ status: 503, code: "data_lost" });
    expect((error as RestError).message).to.match(/Redis lost its data/);
    const login = await new RingcastRest(member.url).login("s001", TEST_PASSWORD).catch((e: unknown) => e);
    expect(login).to.be.instanceOf(RestError).and.include({ status: 503, code: "data_lost" });

    await eventually(() => socket.connected, 10_000);
    const ack = await socket.timeout(5000).emitWithAck("message:send", { to: { user: "s001" }, body: "by socket" });
    expect(ack).to.deep.include({ ok: false });
    expect(ack.error.code).to.equal("data_lost");

    await sleep(1000); // several checks later: still said once
    expect(lossLines(), "the loss is logged once").to.equal(1);
  });

  it("serves again once the school is re-seeded", async () => {
    await seedSchool(redis.url, prefix);
    await eventually(async () => (await readyz(member.url)).status === 200, 10_000);
    const receipt = await send("after re-seeding");
    expect(receipt.id).to.be.a("string");
    const ack = await socket.timeout(5000).emitWithAck("message:send", { to: { user: "s001" }, body: "by socket, again" });
    expect(ack.ok).to.equal(true);
    expect(member.output()).to.include("Redis holds a new dataset");
  });

  it("after a flush, serves again when the same data is restored (the dataset marker comes back)", async () => {
    await admin.connect();
    const keys = await admin.keys(`${prefix}:*`);
    const backup = await Promise.all(keys.map(async (key) => [key, await admin.dumpBuffer(key)] as const));
    await admin.flushall();
    await eventually(async () => (await readyz(member.url)).status === 503, 10_000);
    expect((await send("lost again").catch((e: RestError) => e.code))).to.equal("data_lost");

    for (const [key, value] of backup) if (value) await admin.restore(key, 0, value, "REPLACE");
    await eventually(async () => (await readyz(member.url)).status === 200, 10_000);
    expect((await send("after the restore")).id).to.be.a("string");
    expect(member.output()).to.include("Redis data is back");
  });
});

describe("a fresh cluster with nothing seeded yet", () => {
  it("is ready and answers logins as usual (no false data loss), and takes on the marker once seeded", async () => {
    const redis = await sharedRedis();
    const prefix = uniquePrefix("fresh");
    const server = await startInProcessMember({ redisUrl: redis.url, prefix });
    try {
      expect((await readyz(server.url)).status).to.equal(200);
      const login = await new RingcastRest(server.url).login("s001", TEST_PASSWORD).catch((e: unknown) => e);
      expect(login).to.be.instanceOf(RestError).and.include({ code: "invalid_credentials" });
      await seedSchool(redis.url, prefix);
      await eventually(async () => (await new RingcastRest(server.url).login("s001", TEST_PASSWORD)).token.length > 0, 5000);
      expect((await readyz(server.url)).status).to.equal(200);
      await sleep(500); // a few checks (every 200 ms here): the member now knows the marker
      const admin = testRedisClient(redis.url);
      await admin.del(datasetMarkerKey(testPrefix(redis.url, prefix)));
      admin.disconnect();
      await eventually(async () => (await readyz(server.url)).status === 503, 5000);
    } finally {
      await server.close();
    }
  });
});
