import { expect } from "chai";
import { io } from "socket.io-client";
import { RingcastRest } from "../../client/rest.ts";
import { compareIds } from "../../server/inbox/inbox.ts";
import type { Message } from "../../server/messaging/message.ts";
import { connectInbox, connectSocket, eventually, tokenFor } from "../support/clients.ts";
import { type InProcessMember, startInProcessMember } from "../support/in-process.ts";
import { seedSchool, sharedRedis, uniquePrefix } from "../support/redis.ts";

/** Direct messages a flooding classmate sends; more than the logs keep (RINGCAST_INBOX_MAX_LENGTH). */
const FLOOD = 300;
const KEPT = 100;
/** Logs are trimmed in steps of a tenth of their cap: between KEPT and KEPT + SLACK are kept. */
const SLACK = KEPT / 10;

describe("abuse: one sender cannot evict another sender's acknowledged message", function () {
  this.timeout(60_000);
  let server: InProcessMember;
  let api: RingcastRest;

  before(async () => {
    const redis = await sharedRedis();
    const prefix = uniquePrefix("eviction");
    await seedSchool(redis.url, prefix);
    // The limits are lifted: the logs alone must keep the teacher's message, whatever the rate.
    server = await startInProcessMember({
      redisUrl: redis.url,
      prefix,
      env: { RINGCAST_INBOX_MAX_LENGTH: String(KEPT), RINGCAST_LIMIT_DIRECT_MESSAGES: "100000/1", RINGCAST_LIMIT_SOCKET_EVENTS: "100000/1" },
    });
    api = new RingcastRest(server.url);
  });

  after(() => server.close());

  it("a classmate's flood of direct messages leaves the teacher's class message in the student's history", async () => {
    const [teacher, student, classmate] = await Promise.all(["t-ada", "s001", "s002"].map((id) => tokenFor(server.url, id)));
    const offline = io(server.url, { auth: { token: student! }, forceNew: true, reconnection: false });
    const resumeFrom = await new Promise<string>((resolve) => offline.once("ringcast:session", (s: { lastMessageId: string }) => resolve(s.lastMessageId)));
    offline.close();

    const lesson = await api.send(teacher!, { to: { class: "math-7a" }, body: "Test on Friday" });
    const spam = await floodDirect(server.url, classmate!, "s001", FLOOD);

    const back = await connectInbox(server.url, { token: student!, lastMessageId: resumeFrom });
    let truncations = 0;
    back.socket.on("ringcast:history-truncated", () => truncations++);
    const got = await back.waitFor(1 + KEPT, 15_000);
    await new Promise((r) => setTimeout(r, 300)); // nothing more may come
    back.socket.close();

    // By content: on a Redis Cluster a class message's id is the student's log group's.
    expect(got[0]).to.include({ body: "Test on Friday", sentAt: lesson.sentAt });
    const kept = got.length - 1;
    expect(kept).to.be.within(KEPT, KEPT + SLACK);
    expect(got.slice(1).map((m: Message) => m.id)).to.deep.equal(spam.slice(-kept));
    expect(truncations).to.be.at.most(1);
    await eventually(async () => (await api.status(teacher!, lesson.id)).recipients.find((r) => r.userId === "s001")?.status === "delivered");
  });

  it("reports a trimmed, undelivered message as expired, never as stored", async () => {
    const [classmate] = await Promise.all([tokenFor(server.url, "s003")]);
    const spam = await floodDirect(server.url, classmate!, "s004", KEPT + SLACK + 5);
    const first = await api.status(classmate!, spam[0]!);
    expect(first.recipients).to.deep.equal([{ userId: "s004", status: "expired" }]);
    const last = await api.status(classmate!, spam.at(-1)!);
    expect(last.recipients).to.deep.equal([{ userId: "s004", status: "stored" }]);
  });
});

/** Sends `count` acknowledged direct messages over one socket, 20 in flight; returns their ids in order of id. */
async function floodDirect(url: string, token: string, to: string, count: number): Promise<string[]> {
  const socket = await connectSocket(url, { token }, { transports: ["websocket"] });
  const ids: string[] = [];
  try {
    for (let i = 0; i < count; i += 20) {
      const batch = Array.from({ length: Math.min(20, count - i) }, (_, j) =>
        socket.timeout(10_000).emitWithAck("message:send", { to: { user: to }, body: `spam ${i + j}` }),
      );
      for (const ack of (await Promise.all(batch)) as { ok: boolean; id?: string; error?: unknown }[]) {
        if (!ack.ok || !ack.id) throw new Error(`flood send refused: ${JSON.stringify(ack.error)}`);
        ids.push(ack.id);
      }
    }
  } finally {
    socket.close();
  }
  return ids.sort(compareIds);
}
