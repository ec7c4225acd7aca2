import { expect } from "chai";
import { RingcastRest } from "../../client/rest.ts";
import { compareIds } from "../../server/inbox/inbox.ts";
import type { Message } from "../../server/messaging/message.ts";
import { connectInbox, tokenFor } from "../support/clients.ts";
import { type InProcessMember, startInProcessMember } from "../support/in-process.ts";
import { seedSchool, sharedRedis, uniquePrefix } from "../support/redis.ts";

interface HistoryAnswer {
  messages: Message[];
  before: string | null;
  lastMessageId?: string;
}

describe("history: GET /api/messages", function () {
  this.timeout(20_000);
  let server: InProcessMember;
  let api: RingcastRest;
  let teacher: string;
  let student: string;
  let classmate: string;
  const history = async (token: string, query = ""): Promise<{ status: number; body: HistoryAnswer & { error?: { code: string; message: string } } }> => {
    const response = await fetch(`${server.url}/api/messages${query}`, { headers: { authorization: `Bearer ${token}` } });
    return { status: response.status, body: (await response.json()) as HistoryAnswer & { error?: { code: string; message: string } } };
  };

  before(async () => {
    const redis = await sharedRedis();
    const prefix = uniquePrefix("history");
    await seedSchool(redis.url, prefix);
    server = await startInProcessMember({ redisUrl: redis.url, prefix });
    api = new RingcastRest(server.url);
    [teacher, student, classmate] = await Promise.all(["t-ada", "s001", "s002"].map((id) => tokenFor(server.url, id))) as [string, string, string];
  });

  after(() => server.close());

  it("pages the caller's messages newest page first, each page oldest first, and says where to resume", async () => {
    const sent: string[] = [];
    for (const body of ["one", "two", "three"]) sent.push((await api.send(teacher, { to: { class: "math-7a" }, body })).id);
    sent.push((await api.send(classmate, { to: { user: "s001" }, body: "four" })).id);
    const first = await history(student, "?limit=3");
    expect(first.status).to.equal(200);
    expect(first.body.messages.map((m) => m.body)).to.deep.equal(["two", "three", "four"]);
    expect(first.body.lastMessageId).to.equal(sent[3]);
    const second = await history(student, `?before=${first.body.before}&limit=3`);
    expect(second.body.messages.map((m) => m.body)).to.deep.equal(["one"]);
    expect(second.body.before).to.equal(null);
    expect(second.body).to.not.have.property("lastMessageId");
  });

  it("a session resumed from the history's lastMessageId gets what came after, once, and nothing shown", async () => {
    const shown = await history(student);
    await api.send(teacher, { to: { class: "math-7a" }, body: "after the page" });
    const live = await connectInbox(server.url, { token: student, lastMessageId: shown.body.lastMessageId });
    const got = await live.waitFor(1);
    await new Promise((r) => setTimeout(r, 200));
    expect(got.map((m) => m.body)).to.deep.equal(["after the page"]);
    expect(compareIds(got[0]!.id, shown.body.lastMessageId!)).to.be.greaterThan(0);
    live.socket.close();
  });

  it("answers bad paging input with invalid_request naming the field", async () => {
    for (const [query, field] of [["?limit=0", "limit"], ["?limit=500", "limit"], ["?before=yesterday", "before"], ["?page=2", "page"]] as const) {
      const answer = await history(student, query);
      expect(answer.status, query).to.equal(400);
      expect(answer.body.error?.code, query).to.equal("invalid_request");
      expect(answer.body.error?.message, query).to.include(field);
    }
    expect((await fetch(`${server.url}/api/messages`)).status).to.equal(401);
  });
});
