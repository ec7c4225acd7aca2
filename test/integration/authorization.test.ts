import { expect } from "chai";
import { RestError, RingcastRest, type SendRequest } from "../../client/rest.ts";
import { type ClientSocket, closeAll, connectSocket, Inbox, tokenFor } from "../support/clients.ts";
import { type InProcessMember, startInProcessMember } from "../support/in-process.ts";
import { seedSchool, sharedRedis, uniquePrefix } from "../support/redis.ts";

/**
 * Demo school: t-ada teaches math-7a (s001-s030) and math-8b (s031-s060); t-grace teaches
 * physics-7a (s001-s030); t-alan teaches cs-8b (s031-s060).
 */
describe("authorization: who may message whom", function () {
  this.timeout(20_000);
  let server: InProcessMember;
  let api: RingcastRest;
  const tokens = new Map<string, string>();
  const inboxes = new Map<string, Inbox>();
  let sockets: ClientSocket[] = [];
  const WATCHED = ["s001", "s002", "s031", "t-ada", "t-grace"];

  before(async () => {
    const redis = await sharedRedis();
    const prefix = uniquePrefix("authz");
    await seedSchool(redis.url, prefix);
    server = await startInProcessMember({ redisUrl: redis.url, prefix });
    api = new RingcastRest(server.url);
    for (const id of [...WATCHED, "t-alan"]) tokens.set(id, await tokenFor(server.url, id));
    sockets = await Promise.all(
      WATCHED.map(async (id) => {
        const socket = await connectSocket(server.url, { token: tokens.get(id) });
        inboxes.set(id, new Inbox(socket));
        return socket;
      }),
    );
  });

  after(async () => {
    closeAll(sockets);
    await server.close();
  });

  /** Sends a fence every watched user may receive from t-ada... and checks nothing came before it. */
  async function expectNothingDelivered(): Promise<void> {
    const counts = new Map([...inboxes].map(([id, inbox]) => [id, inbox.messages.length]));
    for (const id of ["s001", "s002", "s031"]) {
      await api.send(tokens.get("t-ada")!, { to: { user: id }, body: "fence" });
    }
    for (const id of ["s001", "s002", "s031"]) {
      const got = await inboxes.get(id)!.waitFor(counts.get(id)! + 1);
      expect(got.slice(counts.get(id)).map((m) => m.body), `${id} received`).to.deep.equal(["fence"]);
    }
    expect(inboxes.get("t-ada")!.messages.length).to.equal(counts.get("t-ada"));
    expect(inboxes.get("t-grace")!.messages.length).to.equal(counts.get("t-grace"));
  }

  const refusals: [string, string, SendRequest, number, string][] = [
    ["a student messages a class", "s001", { to: { class: "math-7a" }, body: "hi all" }, 403, "forbidden"],
    ["a teacher messages another teacher's class", "t-ada", { to: { class: "cs-8b" }, body: "hi" }, 403, "forbidden"],
    ["a student messages a student of another grade", "s001", { to: { user: "s031" }, body: "hi" }, 403, "forbidden"],
    ["a teacher messages a student they do not teach", "t-grace", { to: { user: "s031" }, body: "hi" }, 403, "forbidden"],
    ["a student messages a teacher they do not have", "s031", { to: { user: "t-grace" }, body: "hi" }, 403, "forbidden"],
    ["a teacher messages a colleague with no class in common", "t-ada", { to: { user: "t-grace" }, body: "hi" }, 403, "forbidden"],
    ["anyone messages an unknown user", "t-ada", { to: { user: "ghost" }, body: "hi" }, 404, "not_found"],
    ["a teacher messages an unknown class", "t-ada", { to: { class: "ghost" }, body: "hi" }, 404, "not_found"],
    ["a user messages themselves", "s001", { to: { user: "s001" }, body: "hi" }, 400, "invalid_request"],
  ];

  for (const [title, sender, request, status, code] of refusals) {
    it(`refuses over REST when ${title} (${status}), and delivers nothing`, async () => {
      const error = await api.send(tokens.get(sender)!, request).catch((e: unknown) => e);
      expect(error).to.be.instanceOf(RestError).and.include({ status, code });
      await expectNothingDelivered();
    });
  }

  it("refuses over the socket with an ack error, and delivers nothing", async () => {
    const [, sender, request, , code] = refusals[0]!;
    const socket = inboxes.get(sender)!.socket;
    const ack = await socket.emitWithAck("message:send", request);
    expect(ack).to.deep.include({ ok: false });
    expect(ack.error.code).to.equal(code);
    expect(ack.error.message).to.equal("only teachers can message a class");
    await expectNothingDelivered();
  });

  const allowed: [string, string, string][] = [
    ["a teacher messages a student of their class", "t-ada", "s031"],
    ["a student messages a classmate", "s001", "s002"],
    ["a student messages a teacher of theirs", "s001", "t-grace"],
  ];

  for (const [title, sender, recipient] of allowed) {
    it(`allows it when ${title}`, async () => {
      const inbox = inboxes.get(recipient)!;
      const count = inbox.messages.length;
      const receipt = await api.send(tokens.get(sender)!, { to: { user: recipient }, body: title });
      const [message] = (await inbox.waitFor(count + 1)).slice(count);
      expect(message).to.deep.include({ id: receipt.id, body: title });
      expect(message!.from.id).to.equal(sender);
    });
  }

  it("does not echo a class message to its teacher's own sockets", async () => {
    const count = inboxes.get("t-ada")!.messages.length;
    await api.send(tokens.get("t-ada")!, { to: { class: "math-7a" }, body: "class note" });
    await inboxes.get("s001")!.waitFor(1);
    await api.send(tokens.get("s001")!, { to: { user: "t-ada" }, body: "fence" });
    const got = await inboxes.get("t-ada")!.waitFor(count + 1);
    expect(got.slice(count).map((m) => m.body)).to.deep.equal(["fence"]);
  });
});
