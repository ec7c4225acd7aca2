import { expect } from "chai";
import { RestError, RingcastRest } from "../../client/rest.ts";
import type { LocalRedis } from "../../server/cli/local-redis.ts";
import { io } from "socket.io-client";
import { type ClientSocket, closeAll, connectSocket, eventually, Inbox, tokenFor } from "../support/clients.ts";
import { type ClusterProcess, spawnMember } from "../support/processes.ts";
import { privateRedis, seedSchool, uniquePrefix } from "../support/redis.ts";

async function readiness(url: string): Promise<number> {
  return (await fetch(`${url}/readyz`)).status;
}

describe("Redis stopped and started again", function () {
  this.timeout(60_000);
  let redis: LocalRedis;
  let members: ClusterProcess[] = [];
  let sockets: ClientSocket[] = [];
  let teacher: string;
  let s001: Inbox;
  let s002: Inbox;
  const disconnects: string[] = [];
  /** A stock client (default reconnection) that first tries to connect while Redis is down. */
  let latecomer: ClientSocket;
  let latecomerToken: string;

  before(async () => {
    redis = await privateRedis();
    const prefix = uniquePrefix("outage");
    await seedSchool(redis.url, prefix);
    members = await Promise.all(["a", "b"].map((id) => spawnMember({ redisUrl: redis.url, prefix, nodeId: id })));
    const [a, b] = members as [ClusterProcess, ClusterProcess];
    teacher = await tokenFor(a.url, "t-ada");
    latecomerToken = await tokenFor(a.url, "s003");
    // No client-side reconnection: the sockets must simply stay up through the outage.
    s001 = new Inbox(await connectSocket(b.url, { token: await tokenFor(b.url, "s001") }));
    s002 = new Inbox(await connectSocket(a.url, { token: await tokenFor(a.url, "s002") }));
    sockets = [s001.socket, s002.socket];
    for (const socket of sockets) socket.on("disconnect", (reason) => disconnects.push(reason));
  });

  after(async () => {
    closeAll([...sockets, latecomer]);
    await Promise.all(members.map((m) => m.stop()));
    await redis.stop();
  });

  it("delivers across members before the outage", async () => {
    await new RingcastRest(members[0]!.url).send(teacher, { to: { user: "s001" }, body: "before" });
    expect((await s001.waitFor(1)).map((m) => m.body)).to.deep.equal(["before"]);
  });

  it("while Redis is down for 10 s: refuses every send (503 + Retry-After, ack errors), keeps sockets up", async () => {
    await redis.stop({ save: true });
    await eventually(async () => (await Promise.all(members.map((m) => readiness(m.url)))).every((s) => s === 503));

    const error = await new RingcastRest(members[0]!.url)
      .send(teacher, { to: { user: "s001" }, body: "during" })
      .catch((e: unknown) => e);
    expect(error).to.be.instanceOf(RestError).and.include({ status: 503, code: "service_unavailable", retryAfterSeconds: 2 });
    expect((error as RestError).message).to.match(/Redis unreachable/);

    const ack = await s002.socket.emitWithAck("message:send", { to: { user: "s001" }, body: "during" });
    expect(ack).to.deep.include({ ok: false });
    expect(ack.error.code).to.equal("service_unavailable");

    latecomer = io(members[1]!.url, { auth: { token: latecomerToken }, forceNew: true });
    // Keep Redis away for 10 s, so members go through failed reconnect attempts: every send
    // in that window is refused, none is accepted.
    for (let probe = 0; probe < 10; probe++) {
      await new Promise((r) => setTimeout(r, 1000));
      const member = members[probe % 2]!;
      const refused = await new RingcastRest(member.url)
        .send(teacher, { to: { user: "s001" }, body: `probe ${probe}` })
        .catch((e: RestError) => e.status);
      expect(refused, `probe ${probe} on ${member.nodeId}`).to.equal(503);
    }
    // A handshake cannot be checked without Redis: the member closes the transport instead of
    // refusing for good, so the stock client keeps retrying.
    expect(latecomer.connected).to.equal(false);
    expect(latecomer.active).to.equal(true);
    expect((await fetch(`${members[1]!.url}/healthz`)).status).to.equal(200);
    expect(sockets.every((s) => s.connected)).to.equal(true);
    expect(members.every((m) => m.alive())).to.equal(true);
  });

  it("after Redis returns: every member is ready and messaging works, without restarting anything", async () => {
    await redis.restart();
    await eventually(async () => (await Promise.all(members.map((m) => readiness(m.url)))).every((s) => s === 200), 15_000);

    const receipt = await new RingcastRest(members[0]!.url).send(teacher, { to: { user: "s001" }, body: "after" });
    const ack = await s002.socket.emitWithAck("message:send", { to: { user: "s001" }, body: "after, by socket" });
    expect(ack.ok).to.equal(true);
    const bodies = (await s001.waitFor(3)).map((m) => m.body);
    expect(bodies).to.deep.equal(["before", "after", "after, by socket"]);
    expect(s001.messages[1]!.id).to.equal(receipt.id);
    expect(disconnects).to.deep.equal([]);
    await eventually(() => latecomer.connected, 10_000);
    expect(members.every((m) => m.alive())).to.equal(true);
  });
});
