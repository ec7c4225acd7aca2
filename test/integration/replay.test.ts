import { expect } from "chai";
import { io, type Socket } from "socket.io-client";
import { RingcastRest } from "../../client/rest.ts";
import type { Message } from "../../server/messaging/message.ts";
import { connectInbox, connectSocket, eventually, Inbox, tokenFor } from "../support/clients.ts";
import { type InProcessMember, startInProcessMember } from "../support/in-process.ts";
import { seedSchool, sharedRedis, uniquePrefix } from "../support/redis.ts";

describe("durable delivery: replay from the last message id", function () {
  this.timeout(20_000);
  let server: InProcessMember;
  let api: RingcastRest;
  let teacher: string;
  let student: string;
  const send = (body: string) => api.send(teacher, { to: { user: "s001" }, body });

  before(async () => {
    const redis = await sharedRedis();
    const prefix = uniquePrefix("replay");
    await seedSchool(redis.url, prefix);
    server = await startInProcessMember({ redisUrl: redis.url, prefix, env: { RINGCAST_INBOX_MAX_LENGTH: "5" } });
    api = new RingcastRest(server.url);
    teacher = await tokenFor(server.url, "t-ada");
    student = await tokenFor(server.url, "s001");
  });

  after(() => server.close());

  it("replays what a client missed, in order, then continues live, without duplicates", async () => {
    const first = new Inbox(await connectSocket(server.url, { token: student }));
    await send("m1");
    await send("m2");
    const [, m2] = await first.waitFor(2);
    first.socket.close();
    await send("m3");
    await send("m4");
    const second = await connectInbox(server.url, { token: student, lastMessageId: m2!.id });
    await second.waitFor(2);
    await send("m5");
    const got = await second.waitFor(3);
    expect(got.map((m) => m.body)).to.deep.equal(["m3", "m4", "m5"]);
    expect(new Set(got.map((m) => m.id)).size).to.equal(3);
    second.socket.close();
  });

  it("starts a session without lastMessageId at the newest message (no replay)", async () => {
    await send("old news");
    const fresh = new Inbox(await connectSocket(server.url, { token: student }));
    await send("new");
    expect((await fresh.waitFor(1)).map((m) => m.body)).to.deep.equal(["new"]);
    await new Promise((r) => setTimeout(r, 100));
    expect(fresh.messages).to.have.length(1);
    fresh.socket.close();
  });

  it("lets a stock client that keeps its last id resume by itself after its connection is cut", async () => {
    let last: string | undefined;
    const seen: Message[] = [];
    const socket: Socket = io(server.url, {
      forceNew: true,
      auth: (cb) => cb({ token: student, lastMessageId: last }), // called again on every reconnect
    });
    socket.on("message", (m: Message) => {
      seen.push(m);
      last = m.id;
    });
    await new Promise<void>((resolve) => socket.once("connect", () => resolve()));
    await send("before the cut");
    await eventually(() => seen.length === 1, 3000, 20);
    const reconnected = new Promise<void>((resolve) => socket.io.once("reconnect", () => resolve()));
    const [remote] = await server.member.io.in("user:s001").fetchSockets();
    server.member.io.sockets.sockets.get(remote!.id)!.conn.close(); // as when a member goes away
    await send("while away");
    await reconnected;
    await send("after");
    await eventually(() => seen.length === 3, 5000, 20);
    expect(seen.map((m) => m.body)).to.deep.equal(["before the cut", "while away", "after"]);
    socket.close();
  });

  it("signals truncation when the log no longer holds everything after lastMessageId", async () => {
    const inbox = new Inbox(await connectSocket(server.url, { token: student }));
    await send("anchor");
    const [anchor] = await inbox.waitFor(1);
    inbox.socket.close();
    for (let i = 0; i < 7; i++) await send(`flood ${i}`); // the log keeps 5
    const socket = io(server.url, { forceNew: true, reconnection: false, auth: { token: student, lastMessageId: anchor!.id } });
    const truncated = new Promise<{ lastMessageId: string }>((resolve) => socket.once("ringcast:history-truncated", resolve));
    const replay = new Inbox(socket);
    expect(await truncated).to.deep.equal({ lastMessageId: anchor!.id });
    expect((await replay.waitFor(5)).map((m) => m.body)).to.deep.equal(["flood 2", "flood 3", "flood 4", "flood 5", "flood 6"]);
    socket.close();
  });

  it("refuses a malformed lastMessageId with a clear connect_error", async () => {
    const error = await connectSocket(server.url, { token: student, lastMessageId: "yesterday" }).catch((e: Error & { data?: { code: string } }) => e);
    expect((error as Error & { data?: { code: string } }).data?.code).to.equal("invalid_request");
    expect((error as Error).message).to.match(/lastMessageId/);
  });

  describe("receipts and delivery status", () => {
    const status = (id: string, token = teacher) =>
      fetch(`${server.url}/api/messages/${id}`, { headers: { authorization: `Bearer ${token}` } });

    it("tells the sender who was online (live) and who gets it on return (stored), then who got it", async () => {
      const online = new Inbox(await connectSocket(server.url, { token: student }));
      const receipt = await api.send(teacher, { to: { class: "math-7a" }, body: "class note" });
      expect(receipt.receipts).to.have.length(30);
      expect(receipt.receipts.find((r) => r.userId === "s001")!.status).to.equal("live");
      expect(receipt.receipts.find((r) => r.userId === "s002")!.status).to.equal("stored");
      await online.waitFor(1);
      await eventually(async () => {
        const body = (await (await status(receipt.id)).json()) as { recipients: { userId: string; status: string }[] };
        return body.recipients.find((r) => r.userId === "s001")?.status === "delivered";
      }, 3000, 50);
      const body = (await (await status(receipt.id)).json()) as { recipients: { userId: string; status: string }[]; to: unknown };
      expect(body.to).to.deep.equal({ type: "class", id: "math-7a" });
      expect(body.recipients.filter((r) => r.status === "delivered").map((r) => r.userId)).to.deep.equal(["s001"]);
      online.socket.close();

      // s002 comes back later, resuming from before the message: then it counts as delivered.
      const s002 = await tokenFor(server.url, "s002");
      const back = await connectInbox(server.url, { token: s002, lastMessageId: "0-0" });
      await eventually(() => back.messages.some((m) => m.body === "class note"), 3000, 20);
      await eventually(async () => {
        const after = (await (await status(receipt.id)).json()) as { recipients: { userId: string; status: string }[] };
        return after.recipients.find((r) => r.userId === "s002")?.status === "delivered";
      }, 3000, 50);
      back.socket.close();
    });

    it("shows a message's status to its sender only, and answers unknown or malformed ids clearly", async () => {
      const receipt = await send("private");
      // Another user's message is not found among the requester's own: its existence is not told.
      expect((await status(receipt.id, student)).status).to.equal(404);
      expect((await status("1-1")).status).to.equal(404);
      const malformed = await status("abc");
      expect(malformed.status).to.equal(400);
      expect(((await malformed.json()) as { error: { code: string } }).error.code).to.equal("invalid_request");
    });
  });
});
