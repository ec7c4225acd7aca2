import { expect } from "chai";
import { TokenService } from "../../server/auth/tokens.ts";
import { type ClientSocket, closeAll, connectSocket, Inbox, tokenFor } from "../support/clients.ts";
import { expiredToken, type InProcessMember, startInProcessMember } from "../support/in-process.ts";
import { seedSchool, sharedRedis, uniquePrefix } from "../support/redis.ts";

type ConnectError = Error & { data?: { code: string } };

describe("sockets: handshake and bad payloads", function () {
  this.timeout(20_000);
  let server: InProcessMember;
  let sockets: ClientSocket[] = [];

  before(async () => {
    const redis = await sharedRedis();
    const prefix = uniquePrefix("sockets");
    await seedSchool(redis.url, prefix);
    server = await startInProcessMember({
      redisUrl: redis.url,
      prefix,
      env: { RINGCAST_MAX_MESSAGE_CHARS: "50", RINGCAST_MAX_SOCKET_PAYLOAD_BYTES: "4096" },
    });
  });

  afterEach(() => {
    closeAll(sockets);
    sockets = [];
  });

  after(() => server.close());

  async function open(userId: string): Promise<ClientSocket> {
    const socket = await connectSocket(server.url, { token: await tokenFor(server.url, userId) });
    sockets.push(socket);
    return socket;
  }

  async function refusal(auth: Record<string, unknown>): Promise<ConnectError> {
    return connectSocket(server.url, auth).then(
      (socket) => {
        socket.close();
        throw new Error("connected without a valid token");
      },
      (err: ConnectError) => err,
    );
  }

  describe("handshake", () => {
    it("refuses a connection without a token with a clear connect_error", async () => {
      const err = await refusal({});
      expect(err.message).to.equal("an access token is required (POST /api/login)");
      expect(err.data).to.deep.equal({ code: "missing_token" });
    });

    it("refuses an expired token", async () => {
      expect((await refusal({ token: await expiredToken("s001") })).data?.code).to.equal("token_expired");
    });

    it("refuses a token signed with another secret, and garbage", async () => {
      const foreign = await new TokenService("x".repeat(40), 60).issue({ userId: "s001", role: "student" });
      expect((await refusal({ token: foreign.token })).data?.code).to.equal("invalid_token");
      expect((await refusal({ token: { not: "a string" } })).data?.code).to.equal("missing_token");
      expect((await refusal({ token: "abc.def.ghi" })).data?.code).to.equal("invalid_token");
    });

    it("joins the personal room and every class room", async () => {
      const rooms = await server.member.io.in("user:s001").fetchSockets();
      expect(rooms).to.have.length(0);
      await open("s001");
      const [remote] = await server.member.io.in("user:s001").fetchSockets();
      expect([...remote!.rooms].filter((r) => r !== remote!.id).sort()).to.deep.equal([
        "class:math-7a",
        "class:physics-7a",
        "user:s001",
      ]);
      expect(remote!.data).to.deep.include({ userId: "s001", name: "Amara Adams", role: "student" });
      expect(remote!.data.cursor).to.match(/^\d+-\d+$/);
    });
  });

  describe("message:send", () => {
    it("acknowledges a good send with the message id and recipient count", async () => {
      const [sender, recipient] = [await open("s001"), await open("s002")];
      const inbox = new Inbox(recipient);
      const ack = await sender.emitWithAck("message:send", { to: { user: "s002" }, body: "hello" });
      expect(ack).to.include({ ok: true, recipients: 1 });
      expect(ack.to).to.deep.equal({ type: "user", id: "s002" });
      expect((await inbox.waitFor(1))[0]).to.deep.include({ id: ack.id, body: "hello" });
    });

    const badPayloads: [string, unknown, string][] = [
      ["a string instead of an object", "hello", "(body)"],
      ["a missing target", { body: "hi" }, "to"],
      ["an unknown field", { to: { user: "s002" }, body: "hi", urgent: true }, "urgent"],
      ["a body over the limit", { to: { user: "s002" }, body: "x".repeat(51) }, "body"],
      ["a malformed user id", { to: { user: "../etc" }, body: "hi" }, "to.user"],
    ];

    for (const [title, payload, field] of badPayloads) {
      it(`answers ${title} with an ack error naming '${field}'`, async () => {
        const socket = await open("s001");
        const ack = await socket.emitWithAck("message:send", payload);
        expect(ack.ok).to.equal(false);
        expect(ack.error.code).to.equal("invalid_request");
        expect(ack.error.details.map((d: { field: string }) => d.field)).to.include(field);
        expect(socket.connected).to.equal(true);
      });
    }

    it("drops a send without an ack callback and delivers nothing", async () => {
      const [sender, recipient] = [await open("s001"), await open("s002")];
      const inbox = new Inbox(recipient);
      sender.emit("message:send", { to: { user: "s002" }, body: "no ack" });
      const ack = await sender.emitWithAck("message:send", { to: { user: "s002" }, body: "with ack" });
      expect(ack.ok).to.equal(true);
      expect((await inbox.waitFor(1)).map((m) => m.body)).to.deep.equal(["with ack"]);
    });

    it("closes a socket whose packet exceeds the payload limit, and keeps serving the others", async () => {
      const [offender, bystander] = [await open("s001"), await open("s002")];
      const closed = new Promise<string>((resolve) => offender.once("disconnect", resolve));
      offender.emit("message:send", { to: { user: "s002" }, body: "x".repeat(10_000) }, () => undefined);
      expect(await closed).to.be.oneOf(["transport close", "transport error"]);
      const ack = await bystander.emitWithAck("message:send", { to: { user: "s001" }, body: "still up" });
      expect(ack.ok).to.equal(true);
      expect((await open("s003")).connected).to.equal(true);
    });
  });
});
