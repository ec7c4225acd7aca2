import { expect } from "chai";
import { RestError } from "../../client/rest.ts";
import { type Message, RingcastClient, RingcastClientError } from "../../client/ringcast-client.ts";
import { HashRing } from "../../server/ring/hash-ring.ts";
import { eventually } from "../support/clients.ts";
import { type ClusterProcess, spawnGateway, spawnMember } from "../support/processes.ts";
import { seedSchool, sharedRedis, TEST_PASSWORD, uniquePrefix } from "../support/redis.ts";

const HASH_ENV = { RINGCAST_MODE: "hash", RINGCAST_LEASE_MS: "2000", RINGCAST_HEARTBEAT_MS: "500" };

/** A client whose received messages are kept, in order. */
async function signedIn(url: string, userId: string, options: { route?: boolean; lastMessageId?: string } = {}) {
  const client = await RingcastClient.signIn({ url, ...options }, { userId, password: TEST_PASSWORD });
  const received: Message[] = [];
  const states: string[] = [];
  client.on("message", (m) => received.push(m));
  client.on("state", (s) => states.push(s));
  return { client, received, states };
}

describe("client library against a hash cluster (gateway + 3 member processes)", function () {
  this.timeout(60_000);
  let redisUrl: string;
  let prefix: string;
  const members = new Map<string, ClusterProcess>();
  let gateway: ClusterProcess;
  const clients: RingcastClient[] = [];

  async function addMember(id: string): Promise<void> {
    members.set(id, await spawnMember({ redisUrl, prefix, nodeId: id, env: HASH_ENV }));
  }

  /** Through the gateway, or (`route`) through member `via`'s route lookup. */
  async function client(userId: string, options: { route?: boolean; via?: string; lastMessageId?: string } = {}) {
    const { via, ...clientOptions } = options;
    const c = await signedIn(via ? members.get(via)!.url : gateway.url, userId, clientOptions);
    clients.push(c.client);
    return c;
  }

  before(async () => {
    redisUrl = (await sharedRedis()).url;
    prefix = uniquePrefix("client");
    await seedSchool(redisUrl, prefix);
    await Promise.all(["a", "b", "c"].map(addMember));
    gateway = await spawnGateway({ redisUrl, prefix, mode: "hash" });
  });

  afterEach(() => {
    for (const c of clients.splice(0)) c.close();
  });

  after(async () => {
    await gateway.stop();
    await Promise.all([...members.values()].map((m) => m.stop()));
  });

  it("send() resolves with the server's receipt; the recipient's client gets the message", async () => {
    const s002 = await client("s002");
    const s001 = await client("s001");
    const session = await s002.client.connect();
    await s001.client.connect();
    expect(session.mode).to.equal("hash");
    const receipt = await s001.client.send({ user: "s002" }, "hello from the library");
    expect(receipt).to.deep.include({ recipients: 1, to: { type: "user", id: "s002" } });
    expect(receipt.receipts).to.deep.equal([{ userId: "s002", status: "live" }]);
    await eventually(() => s002.received.length === 1);
    expect(s002.received[0]).to.deep.include({ id: receipt.id, body: "hello from the library", from: { id: "s001", name: s001.client.user.name } });
    expect(s002.client.state).to.equal("connected");
  });

  it("send() rejects with the server's error code; sign-in with a bad password rejects", async () => {
    const s001 = await client("s001");
    await s001.client.connect();
    const refused = await s001.client.send({ class: "math-7a" }, "students cannot do this").catch((e: unknown) => e);
    expect(refused).to.be.instanceOf(RingcastClientError).and.include({ code: "forbidden" });
    const invalid = await s001.client.send({ user: "s002" }, "").catch((e: unknown) => e);
    expect(invalid).to.be.instanceOf(RingcastClientError).and.include({ code: "invalid_request" });
    const badLogin = await RingcastClient.signIn({ url: gateway.url }, { userId: "s001", password: "wrong-password" }).catch((e: unknown) => e);
    expect(badLogin).to.be.instanceOf(RestError).and.include({ status: 401, code: "invalid_credentials" });
  });

  it("after its member is killed (-9): reconnects on another member and gets what was sent meanwhile, once", async () => {
    const student = await client("s003");
    const teacher = await client("t-ada");
    const first = await student.client.connect();
    await teacher.client.connect();
    await teacher.client.send({ class: "math-7a" }, "before");
    await eventually(() => student.received.length === 1);

    await members.get(first.member)!.kill();
    members.delete(first.member);
    await eventually(() => student.client.state === "reconnecting", 5000, 20);
    // Sent while the student has no connection, through the REST API (the gateway picks a live member).
    const rest = teacher.client.rest;
    await eventually(async () => Boolean(await rest.send(teacher.client.token, { to: { class: "math-7a" }, body: "meanwhile" }).catch(() => false)), 15_000, 250);
    await eventually(() => student.client.state === "connected" && student.received.length >= 2, 20_000);
    await teacher.client.send({ class: "math-7a" }, "after");
    await eventually(() => student.received.length >= 3, 10_000);
    await new Promise((r) => setTimeout(r, 300));
    expect(student.client.session!.member).to.not.equal(first.member);
    expect(student.received.map((m) => m.body)).to.deep.equal(["before", "meanwhile", "after"]);
    expect(student.states).to.include.members(["reconnecting", "connected"]);
    await addMember(first.member);
  });

  it("resumes from a kept lastMessageId: every missed message once, in order, then live ones", async () => {
    const teacher = await client("t-ada");
    await teacher.client.connect();
    const early = await client("s004");
    await early.client.connect();
    await teacher.client.send({ user: "s004" }, "one");
    await eventually(() => early.received.length === 1);
    const kept = early.client.lastMessageId!;
    early.client.close();
    for (const body of ["two", "three", "four"]) await teacher.client.send({ user: "s004" }, body);

    const later = await client("s004", { lastMessageId: kept });
    await later.client.connect();
    await eventually(() => later.received.length === 3);
    await teacher.client.send({ user: "s004" }, "five");
    await eventually(() => later.received.length === 4);
    expect(later.received.map((m) => m.body)).to.deep.equal(["two", "three", "four", "five"]);
  });

  it("without a gateway: connects to the member GET /api/route names, and re-routes when it dies", async () => {
    // Route lookups go to a member other than the one that will die.
    const owner = new HashRing([...members.keys()]).owner("s005")!;
    const student = await client("s005", { route: true, via: [...members.keys()].find((id) => id !== owner)! });
    const first = await student.client.connect();
    const teacher = await client("t-ada");
    await teacher.client.connect();
    await members.get(first.member)!.kill();
    members.delete(first.member);
    await eventually(() => student.client.state === "connected" && student.client.session!.member !== first.member, 20_000);
    await teacher.client.send({ user: "s005" }, "found you");
    await eventually(() => student.received.length === 1, 10_000);
    expect(first.member).to.equal(owner);
    expect(student.received[0]!.body).to.equal("found you");
    await addMember(first.member);
  });
});
