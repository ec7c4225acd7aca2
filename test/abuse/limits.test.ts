import { expect } from "chai";
import { io } from "socket.io-client";
import { WebSocket } from "ws";
import type { Message } from "../../server/messaging/message.ts";
import { type ClientSocket, closeAll, connectInbox, connectSocket, eventually, tokenFor } from "../support/clients.ts";
import { type InProcessMember, startInProcessMember } from "../support/in-process.ts";
import { type ClusterProcess, spawnMember } from "../support/processes.ts";
import { seedSchool, sharedRedis, TEST_PASSWORD, uniquePrefix } from "../support/redis.ts";

interface Answer {
  status: number;
  body: { error?: { code: string; message: string; retryAfterMs?: number } } & Record<string, unknown>;
  headers: Headers;
}

interface Ack {
  ok: boolean;
  id?: string;
  error?: { code: string; message: string; retryAfterMs?: number };
}

type ConnectError = Error & { data?: { code: string } };

/** A member of its own (own key prefix, so its counters start at zero) with these settings. */
async function member(suite: string, env: Record<string, string>): Promise<InProcessMember> {
  const redis = await sharedRedis();
  const prefix = uniquePrefix(suite);
  await seedSchool(redis.url, prefix);
  return startInProcessMember({ redisUrl: redis.url, prefix, env });
}

async function call(url: string, method: string, path: string, init: { token?: string; json?: unknown } = {}): Promise<Answer> {
  const headers: Record<string, string> = {};
  if (init.token) headers.authorization = `Bearer ${init.token}`;
  if (init.json !== undefined) headers["content-type"] = "application/json";
  const response = await fetch(url + path, { method, headers, body: init.json === undefined ? undefined : JSON.stringify(init.json) });
  return { status: response.status, body: (await response.json()) as Answer["body"], headers: response.headers };
}

/** Where `userId`'s log is now (the resume point of a fresh session). */
async function sessionStart(url: string, userId: string): Promise<string> {
  const socket = io(url, { auth: { token: await tokenFor(url, userId) }, forceNew: true, reconnection: false });
  const start = await new Promise<string>((resolve) => socket.once("ringcast:session", (s: { lastMessageId: string }) => resolve(s.lastMessageId)));
  socket.close();
  return start;
}

const login = (url: string, userId: string, password: string) => call(url, "POST", "/api/login", { json: { userId, password } });

/** A 429 answer as every REST refusal of a limit must look. */
function expectRateLimited(answer: Answer): void {
  expect(answer.status, JSON.stringify(answer.body)).to.equal(429);
  expect(answer.body.error?.code).to.equal("rate_limited");
  expect(answer.body.error?.retryAfterMs).to.be.a("number").greaterThan(0);
  expect(Number(answer.headers.get("retry-after"))).to.be.at.least(1);
}

function expectRateLimitedAck(ack: Ack): void {
  expect(ack.ok, JSON.stringify(ack)).to.equal(false);
  expect(ack.error?.code).to.equal("rate_limited");
  expect(ack.error?.retryAfterMs).to.be.a("number").greaterThan(0);
}

describe("abuse: limits answered at their thresholds", function () {
  this.timeout(30_000);

  describe("logins", () => {
    let server: InProcessMember;
    before(async () => {
      server = await member("limits-login", { RINGCAST_LIMIT_LOGIN_FAILURES_PER_USER: "3/300", RINGCAST_LIMIT_LOGINS_PER_ADDRESS: "1000/60" });
    });
    after(() => server.close());

    it("refuses a user id after its failed logins, before the password is checked; other users sign in", async () => {
      for (let i = 0; i < 3; i++) expect((await login(server.url, "s001", "wrong")).status).to.equal(401);
      expectRateLimited(await login(server.url, "s001", TEST_PASSWORD));
      expectRateLimited(await login(server.url, "s001", "wrong"));
      expect((await login(server.url, "s002", TEST_PASSWORD)).status).to.equal(200);
    });

    it("gives the budget back on a successful login", async () => {
      for (let i = 0; i < 2; i++) expect((await login(server.url, "s003", "wrong")).status).to.equal(401);
      expect((await login(server.url, "s003", TEST_PASSWORD)).status).to.equal(200);
      for (let i = 0; i < 3; i++) expect((await login(server.url, "s003", "wrong")).status).to.equal(401);
      expectRateLimited(await login(server.url, "s003", TEST_PASSWORD));
    });
  });

  describe("logins per client address", () => {
    let server: InProcessMember;
    before(async () => {
      server = await member("limits-address", { RINGCAST_LIMIT_LOGINS_PER_ADDRESS: "5/60" });
    });
    after(() => server.close());

    it("counts every attempt, right or wrong, and refuses the one past the budget", async () => {
      const answers = [];
      for (const [userId, password] of [["s001", TEST_PASSWORD], ["s002", "wrong"], ["s003", TEST_PASSWORD], ["nobody", "x"], ["s004", TEST_PASSWORD]]) {
        answers.push((await login(server.url, userId!, password!)).status);
      }
      expect(answers).to.deep.equal([200, 401, 200, 401, 200]);
      expectRateLimited(await login(server.url, "s005", TEST_PASSWORD));
    });
  });

  describe("messages and socket events", () => {
    let server: InProcessMember;
    let sockets: ClientSocket[] = [];
    before(async () => {
      server = await member("limits-messages", {
        RINGCAST_LIMIT_DIRECT_MESSAGES: "5/60",
        RINGCAST_LIMIT_CLASS_MESSAGES: "3/60",
        RINGCAST_LIMIT_SOCKET_EVENTS: "6/10",
        RINGCAST_MAX_SOCKETS_PER_USER: "3",
      });
    });
    afterEach(() => {
      closeAll(sockets);
      sockets = [];
    });
    after(() => server.close());

    async function open(userId: string, auth: Record<string, unknown> = {}): Promise<ClientSocket> {
      const socket = await connectSocket(server.url, { token: await tokenFor(server.url, userId), ...auth });
      sockets.push(socket);
      return socket;
    }

    it("direct messages per sender: REST and socket share the budget; nothing refused is stored", async () => {
      const token = await tokenFor(server.url, "s001");
      const resumeFrom = await sessionStart(server.url, "s002");
      const sent: string[] = [];
      for (let i = 0; i < 3; i++) {
        const answer = await call(server.url, "POST", "/api/messages", { token, json: { to: { user: "s002" }, body: `rest ${i}` } });
        expect(answer.status).to.equal(201);
        sent.push(String(answer.body.id));
      }
      const socket = await open("s001");
      for (let i = 0; i < 2; i++) {
        const ack = (await socket.emitWithAck("message:send", { to: { user: "s002" }, body: `socket ${i}` })) as Ack;
        expect(ack.ok, JSON.stringify(ack)).to.equal(true);
        sent.push(ack.id!);
      }
      expectRateLimitedAck((await socket.emitWithAck("message:send", { to: { user: "s002" }, body: "one too many" })) as Ack);
      expectRateLimited(await call(server.url, "POST", "/api/messages", { token, json: { to: { user: "s002" }, body: "and by REST" } }));

      const back = await connectInbox(server.url, { token: await tokenFor(server.url, "s002"), lastMessageId: resumeFrom });
      sockets.push(back.socket);
      await back.waitFor(sent.length);
      await new Promise((r) => setTimeout(r, 300)); // a refused message would come after these
      expect(back.messages.filter((m: Message) => m.from.id === "s001").map((m) => m.id)).to.deep.equal(sent);
    });

    it("class messages per teacher, apart from the teacher's direct messages", async () => {
      const token = await tokenFor(server.url, "t-ada");
      for (let i = 0; i < 3; i++) {
        expect((await call(server.url, "POST", "/api/messages", { token, json: { to: { class: "math-7a" }, body: `class ${i}` } })).status).to.equal(201);
      }
      expectRateLimited(await call(server.url, "POST", "/api/messages", { token, json: { to: { class: "math-7a" }, body: "one too many" } }));
      expect((await call(server.url, "POST", "/api/messages", { token, json: { to: { user: "s010" }, body: "a direct one" } })).status).to.equal(201);
    });

    it("socket events per connection: the event past the budget gets a rate_limited ack; a flood is disconnected", async () => {
      const socket = await open("s020");
      // Bad payloads: counted as events, never as messages.
      for (let i = 0; i < 6; i++) {
        const ack = (await socket.emitWithAck("message:send", { to: { user: "s021" } })) as Ack;
        expect(ack.error?.code, JSON.stringify(ack)).to.equal("invalid_request");
      }
      expectRateLimitedAck((await socket.emitWithAck("message:send", { to: { user: "s021" }, body: "hi" })) as Ack);
      const other = await open("s020"); // the budget is per connection
      expect(((await other.emitWithAck("message:send", { to: { user: "s021" }, body: "hi" })) as Ack).ok).to.equal(true);

      const reason = new Promise<string>((resolve) => socket.once("disconnect", resolve));
      for (let i = 0; i < 20; i++) socket.emit("message:send", { to: { user: "s021" }, body: "flood" });
      expect(await reason).to.equal("io server disconnect");
    });

    it("sockets per user: the one past the limit gets connect_error rate_limited; a closed one frees a place", async () => {
      const open3 = await Promise.all([0, 1, 2].map(() => open("s030")));
      const refused = await connectSocket(server.url, { token: await tokenFor(server.url, "s030") }).then(
        (s) => {
          s.close();
          return undefined;
        },
        (err: ConnectError) => err,
      );
      expect(refused?.data?.code).to.equal("rate_limited");
      expect((await open("s029")).connected).to.equal(true); // another user is not affected
      open3[0]!.close();
      await eventually(async () => (await server.member.io.in("user:s030").fetchSockets()).length === 2);
      expect((await open("s030")).connected).to.equal(true);
    });

    it("message:send with a callback and no payload gets an invalid_request ack", async () => {
      const socket = await open("s040");
      const ack = await new Promise<Ack>((resolve) => socket.emit("message:send", resolve));
      expect(ack.ok).to.equal(false);
      expect(ack.error?.code).to.equal("invalid_request");
    });
  });

  describe("cluster-wide (two broadcast-mode members)", () => {
    let members: ClusterProcess[] = [];
    const sockets: ClientSocket[] = [];
    before(async () => {
      const redis = await sharedRedis();
      const prefix = uniquePrefix("limits-cluster");
      await seedSchool(redis.url, prefix);
      const env = { RINGCAST_MODE: "broadcast", RINGCAST_LIMIT_DIRECT_MESSAGES: "5/60", RINGCAST_MAX_SOCKETS_PER_USER: "3" };
      members = await Promise.all(["a", "b"].map((nodeId) => spawnMember({ redisUrl: redis.url, prefix, nodeId, env })));
    });
    after(async () => {
      closeAll(sockets);
      await Promise.all(members.map((m) => m.stop()));
    });

    it("direct messages: one budget whichever member takes the send", async () => {
      const [a, b] = members as [ClusterProcess, ClusterProcess];
      const token = await tokenFor(a.url, "s001");
      const statuses: number[] = [];
      for (const url of [a.url, b.url, a.url, b.url, a.url]) {
        statuses.push((await call(url, "POST", "/api/messages", { token, json: { to: { user: "s002" }, body: "hi" } })).status);
      }
      expect(statuses).to.deep.equal([201, 201, 201, 201, 201]);
      expectRateLimited(await call(b.url, "POST", "/api/messages", { token, json: { to: { user: "s002" }, body: "one too many" } }));
    });

    it("sockets per user: counted over the members a user's sockets spread across", async () => {
      const [a, b] = members as [ClusterProcess, ClusterProcess];
      const token = await tokenFor(a.url, "s010");
      for (const url of [a.url, b.url, a.url]) sockets.push(await connectSocket(url, { token }));
      // Members learn each other's sockets from presence replicated every 50 ms; give it time.
      await new Promise((resolve) => setTimeout(resolve, 300));
      for (const url of [a.url, b.url]) {
        const refused = await connectSocket(url, { token }).then(
          (s) => {
          s.close();
          return undefined;
        },
          (err: ConnectError) => err,
        );
        expect(refused?.data?.code, url).to.equal("rate_limited");
      }
    });
  });

  describe("connections", () => {
    let server: InProcessMember;
    const sockets: ClientSocket[] = [];
    before(async () => {
      server = await member("limits-connections", { RINGCAST_MAX_CONNECTIONS: "3", RINGCAST_CONNECT_TIMEOUT_MS: "1000" });
    });
    after(async () => {
      closeAll(sockets);
      await server.close();
    });

    it("answers a new session past the member's connections 503 with Retry-After (polling and WebSocket)", async () => {
      for (const id of ["s001", "s002", "s003"]) sockets.push(await connectSocket(server.url, { token: await tokenFor(server.url, id) }));
      const polling = await fetch(`${server.url}/socket.io/?EIO=4&transport=polling`);
      expect(polling.status).to.equal(503);
      expect(Number(polling.headers.get("retry-after"))).to.be.at.least(1);
      expect(((await polling.json()) as Answer["body"]).error?.code).to.equal("service_unavailable");
      const upgrade = await new Promise<number>((resolve, reject) => {
        const ws = new WebSocket(`${server.url.replace("http", "ws")}/socket.io/?EIO=4&transport=websocket`);
        ws.once("unexpected-response", (_req, res) => {
          resolve(res.statusCode ?? 0);
          ws.terminate();
        });
        ws.once("open", () => {
          ws.close();
          reject(new Error("upgraded past the limit"));
        });
        ws.once("error", () => undefined);
      });
      expect(upgrade).to.equal(503);
      // Sessions already open are served as before.
      expect(((await sockets[0]!.emitWithAck("message:send", { to: { user: "s002" }, body: "still served" })) as Ack).ok).to.equal(true);
      closeAll(sockets.splice(0));
      await eventually(() => server.member.io.engine.clientsCount === 0);
      const again = await fetch(`${server.url}/socket.io/?EIO=4&transport=polling`);
      expect(again.status).to.equal(200);
      await again.text();
    });

    it("closes a connection without a valid token within the connect timeout (silent, or refused)", async () => {
      const closedAfter = (send?: string) =>
        new Promise<number>((resolve, reject) => {
          const started = Date.now();
          const ws = new WebSocket(`${server.url.replace("http", "ws")}/socket.io/?EIO=4&transport=websocket`);
          ws.on("message", (data) => {
            // Answer pings, as a live client would: only the missing session may close it.
            if (String(data) === "2") ws.send("3");
            if (String(data).startsWith("0") && send) ws.send(send);
          });
          ws.once("close", () => resolve(Date.now() - started));
          ws.once("error", reject);
        });
      const [silent, refused] = await Promise.all([closedAfter(), closedAfter("40")]);
      // 1000 ms configured; the margin is for a loaded machine, far below the 45 s default.
      expect(silent).to.be.below(4000);
      expect(refused).to.be.below(4000);
    });

    it("keeps a stock client that connects in time", async () => {
      const socket = io(server.url, { auth: { token: await tokenFor(server.url, "s004") }, forceNew: true, reconnection: false });
      sockets.push(socket);
      await new Promise<void>((resolve) => socket.once("connect", () => resolve()));
      await new Promise((r) => setTimeout(r, 1500));
      expect(socket.connected).to.equal(true);
    });
  });
});
