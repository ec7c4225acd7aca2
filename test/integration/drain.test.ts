import { expect } from "chai";
import type { LocalRedis } from "../../server/cli/local-redis.ts";
import { type ClientSocket, closeAll, connectSocket, tokenFor } from "../support/clients.ts";
import { FLOOD_LIMITS, spawnMember } from "../support/processes.ts";
import { seedSchool, sharedRedis, testKeys, testRedisClient, uniquePrefix } from "../support/redis.ts";

const SENDS = 100;
const STUDENTS = Array.from({ length: 20 }, (_, i) => `s${String(i + 1).padStart(3, "0")}`);

function drainedLog(output: string): { closed: number; batches: number; batchSize: number; unfinishedSends: number } {
  const line = output.split("\n").find((l) => l.includes('"msg":"drained"'));
  if (!line) throw new Error(`no "drained" log line in:\n${output.slice(-2000)}`);
  return JSON.parse(line) as { closed: number; batches: number; batchSize: number; unfinishedSends: number };
}

describe("graceful drain on SIGTERM", function () {
  this.timeout(60_000);
  let redis: LocalRedis;
  let prefix: string;
  let sockets: ClientSocket[] = [];

  before(async () => {
    redis = await sharedRedis();
    prefix = uniquePrefix("drain");
    await seedSchool(redis.url, prefix);
  });

  afterEach(() => closeAll(sockets));

  async function connectStudents(url: string): Promise<{ closedAt: Map<string, string> }> {
    const tokens = await Promise.all(STUDENTS.map((id) => tokenFor(url, id)));
    sockets = await Promise.all(tokens.map((token) => connectSocket(url, { token })));
    const closedAt = new Map<string, string>();
    sockets.forEach((socket, i) => {
      socket.on("disconnect", (reason) => closedAt.set(STUDENTS[i]!, reason));
    });
    return { closedAt };
  }

  it("deregisters before closing sockets, refuses new connections, closes sockets in paced batches, exits cleanly", async () => {
    const env = { RINGCAST_DRAIN_BATCH: "5", RINGCAST_DRAIN_INTERVAL_MS: "200", RINGCAST_DRAIN_GRACE_MS: "8000" };
    const member = await spawnMember({ redisUrl: redis.url, prefix, nodeId: "drain-a", env });
    const { closedAt } = await connectStudents(member.url);
    const store = testRedisClient(redis.url);
    let listedAtFirstClose: number | undefined;
    sockets[0]!.once("disconnect", () => void store.zscore(testKeys(redis.url, prefix).memberLeases, "drain-a").then((s) => (listedAtFirstClose = s === null ? 0 : 1)));
    const token = await tokenFor(member.url, "s021");
    try {
      const stopped = member.stop();
      await new Promise((resolve) => sockets.at(-1)!.once("disconnect", resolve));
      // The listening socket is closed: a newcomer cannot even connect.
      const refused = await connectSocket(member.url, { token }).then(
        (s) => {
          s.close();
          return false;
        },
        () => true,
      );
      await stopped;
      expect(refused).to.equal(true);
      expect(member.child.exitCode).to.equal(0);
      expect(listedAtFirstClose).to.equal(0);
      // Transport closed without a disconnect packet: stock clients reconnect by themselves.
      expect([...closedAt.values()]).to.deep.equal(Array(STUDENTS.length).fill("transport close"));
      expect(drainedLog(member.output())).to.deep.include({ closed: 20, batches: 4, batchSize: 5, unfinishedSends: 0 });
    } finally {
      store.disconnect();
    }
  });

  it("raises the batch size so every socket is closed within the grace period", async () => {
    // One socket per 5 s would take 100 s; the grace period is 3 s.
    const env = { RINGCAST_DRAIN_BATCH: "1", RINGCAST_DRAIN_INTERVAL_MS: "5000", RINGCAST_DRAIN_GRACE_MS: "3000" };
    const member = await spawnMember({ redisUrl: redis.url, prefix, nodeId: "drain-b", env });
    const { closedAt } = await connectStudents(member.url);
    await member.stop();
    expect(member.child.exitCode, member.output().slice(-1500)).to.equal(0);
    expect(closedAt.size).to.equal(STUDENTS.length);
    expect(drainedLog(member.output())).to.deep.include({ closed: 20, batches: 1, batchSize: 20 });
  });

  it("sends already on the wire when SIGTERM arrives are acknowledged and delivered", async () => {
    // 100 class messages in a burst: past the classroom limits on purpose.
    const env = { ...FLOOD_LIMITS, RINGCAST_DRAIN_BATCH: "5", RINGCAST_DRAIN_INTERVAL_MS: "100" };
    const [a, b] = await Promise.all(["drain-c", "drain-d"].map((nodeId) => spawnMember({ redisUrl: redis.url, prefix, nodeId, env })));
    const teacher = await connectSocket(a!.url, { token: await tokenFor(a!.url, "t-ada") }, { transports: ["websocket"] });
    const student = await connectSocket(b!.url, { token: await tokenFor(b!.url, "s001") });
    sockets = [teacher, student];
    const received: string[] = [];
    student.on("message", (m: { body: string }) => received.push(m.body));
    try {
      // Written to the open WebSocket (flushed over a few ticks) before the signal is sent.
      let ackedBeforeSignal = 0;
      const sends = Array.from({ length: SENDS }, (_, i) =>
        teacher
          .timeout(5000)
          .emitWithAck("message:send", { to: { class: "math-7a" }, body: `late ${i}` })
          .finally(() => ackedBeforeSignal++),
      );
      await new Promise((r) => setTimeout(r, 20));
      const stopped = a!.stop();
      const unansweredAtSignal = SENDS - ackedBeforeSignal;
      const acks = (await Promise.all(sends).catch((err: Error) => {
        throw new Error(`${err.message}\n${a!.output().slice(-3000)}`);
      })) as { ok: boolean; id: string }[];
      await stopped;
      expect(unansweredAtSignal, "sends still in flight when SIGTERM was sent").to.be.greaterThan(0);
      expect(acks.every((ack) => ack.ok)).to.equal(true);
      // By body (unique per send): on a Redis Cluster a class message's id is each log group's.
      const acked = acks.map((_, i) => `late ${i}`);
      expect(drainedLog(a!.output()).unfinishedSends).to.equal(0);
      await new Promise((r) => setTimeout(r, 500));
      expect(received).to.include.members(acked);
    } finally {
      await b!.stop();
    }
  });
});
