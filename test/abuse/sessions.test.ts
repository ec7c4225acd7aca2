import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { expect } from "chai";
import { io, type Socket } from "socket.io-client";
import { RestError, RingcastRest, type Session } from "../../client/rest.ts";
import { type Message, RingcastClient, type RingcastClientError } from "../../client/ringcast-client.ts";
import { eventually, Inbox } from "../support/clients.ts";
import { type ClusterProcess, spawnGateway, spawnMember } from "../support/processes.ts";
import { redisEnv, seedSchool, sharedRedis, TEST_PASSWORD, uniquePrefix } from "../support/redis.ts";

/**
 * Sessions follow their token: with 10 s tokens (the shortest allowed) and a 4 s notice, a live
 * socket is warned, can continue under a new token, and is otherwise closed at expiry; a logout
 * closes the token's sockets on any member; a disabled or deleted user loses its sockets.
 */
const TTL_S = 10;
const NOTICE_S = 4;
const SESSION_ENV = { RINGCAST_TOKEN_TTL: String(TTL_S), RINGCAST_TOKEN_NOTICE_S: String(NOTICE_S) };
const ADMIN = fileURLToPath(new URL("../../server/cli/admin.ts", import.meta.url));
const run = promisify(execFile);

/** A stock socket.io-client socket with what it was told. */
interface Watched {
  socket: Socket;
  inbox: Inbox;
  member: string | undefined;
  expiring: { expiresAt: string }[];
  ended: string[];
  disconnects: string[];
}

async function watched(url: string, token: string): Promise<Watched> {
  // Token in the query (routers read it) and in auth, as ringcast/client sends it.
  const socket = io(url, { query: { token }, auth: { token }, forceNew: true, reconnection: false });
  const w: Watched = { socket, inbox: new Inbox(socket), member: undefined, expiring: [], ended: [], disconnects: [] };
  socket.on("ringcast:token-expiring", (info: { expiresAt: string }) => w.expiring.push(info));
  socket.on("ringcast:session-ended", (info: { reason: string }) => w.ended.push(info.reason));
  socket.on("disconnect", (reason) => w.disconnects.push(reason));
  await new Promise<void>((resolve, reject) => {
    socket.once("ringcast:session", (session: { member: string }) => {
      w.member = session.member;
      resolve();
    });
    socket.once("connect_error", (err) => {
      socket.close();
      reject(err);
    });
  });
  return w;
}

/** The connect_error code a handshake with `token` gets, or "connected". */
async function handshakeCode(url: string, token: string): Promise<string | undefined> {
  const socket = io(url, { query: { token }, auth: { token }, forceNew: true, reconnection: false });
  try {
    return await new Promise((resolve) => {
      socket.once("connect", () => resolve("connected"));
      socket.once("connect_error", (err: Error & { data?: { code?: string } }) => resolve(err.data?.code));
    });
  } finally {
    socket.close();
  }
}

async function restRefusal(rest: RingcastRest, token: string): Promise<RestError> {
  const err = await rest.me(token).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err, "the token was still accepted").to.be.instanceOf(RestError);
  return err as RestError;
}

for (const mode of ["hash", "broadcast"] as const) {
  describe(`sessions follow their token (${mode} mode, 2 member processes${mode === "hash" ? " + gateway" : ""})`, function () {
    this.timeout(60_000);
    let redisUrl: string;
    let prefix: string;
    const members: ClusterProcess[] = [];
    let gateway: ClusterProcess | undefined;
    const sockets: Socket[] = [];
    const clients: RingcastClient[] = [];
    /** Where clients connect: the gateway (hash mode) or the first member (broadcast). */
    let entry: string;
    let rest: RingcastRest;

    const login = (userId: string): Promise<Session> => rest.login(userId, TEST_PASSWORD);
    const open = async (userId: string, token?: string): Promise<Watched> => {
      const w = await watched(entry, token ?? (await login(userId)).token);
      sockets.push(w.socket);
      return w;
    };
    /** A member other than the one serving `w`: its REST answers prove the effect is cluster-wide. */
    const otherMember = (w: Watched): RingcastRest => new RingcastRest(members.find((m) => m.nodeId !== w.member)!.url);
    const admin = (command: string, userId: string) =>
      run(process.execPath, ["--import", "tsx", ADMIN, command, userId], { env: { ...process.env, ...redisEnv(redisUrl), RINGCAST_REDIS_PREFIX: prefix }, timeout: 20_000 });

    before(async () => {
      redisUrl = (await sharedRedis()).url;
      prefix = uniquePrefix(`sessions-${mode}`);
      await seedSchool(redisUrl, prefix);
      const env = { RINGCAST_MODE: mode, ...SESSION_ENV };
      members.push(...(await Promise.all(["a", "b"].map((nodeId) => spawnMember({ redisUrl, prefix, nodeId, env })))));
      gateway = mode === "hash" ? await spawnGateway({ redisUrl, prefix, mode }) : undefined;
      entry = gateway?.url ?? members[0]!.url;
      rest = new RingcastRest(entry);
    });

    afterEach(() => {
      for (const socket of sockets.splice(0)) socket.close();
      for (const client of clients.splice(0)) client.close();
    });

    after(async () => {
      await gateway?.stop();
      await Promise.all(members.map((m) => m.stop()));
    });

    it("warns a socket before its token expires; a refreshed socket stays past the expiry, the other is closed at it", async () => {
      const [kept, lapsed] = await Promise.all([login("s001"), login("s002")]);
      const refreshed = await open("s001", kept.token);
      const expiring = await open("s002", lapsed.token);
      type Answer = { ok: boolean; expiresAt?: string; error?: { code: string } };
      const answers: Answer[] = [];
      refreshed.socket.once("ringcast:token-expiring", async () => {
        // A token of another user and garbage are refused; a fresh one of the same user is taken.
        const tokens = [(await login("s003")).token, "not-a-token", (await login("s001")).token];
        for (const token of tokens) answers.push(await refreshed.socket.timeout(5000).emitWithAck("ringcast:refresh-token", { token }));
      });

      await eventually(() => expiring.expiring.length === 1 && answers.length === 3, (TTL_S - NOTICE_S + 3) * 1000);
      expect(expiring.expiring[0]).to.deep.equal({ expiresAt: lapsed.expiresAt });
      expect(expiring.socket.connected, "warned, not yet closed").to.equal(true);
      expect(answers.map((a) => a.ok || a.error?.code)).to.deep.equal(["forbidden", "invalid_token", true]);
      expect(Date.parse(answers[2]!.expiresAt!)).to.be.greaterThan(Date.parse(kept.expiresAt));

      // The lapsed socket is closed at its expiry, saying why; REST refuses its token too.
      await eventually(() => expiring.disconnects.length === 1, (TTL_S + 3) * 1000);
      expect(expiring.ended).to.deep.equal(["token_expired"]);
      expect(expiring.disconnects).to.deep.equal(["io server disconnect"]);
      expect((await restRefusal(rest, lapsed.token)).code).to.equal("token_expired");

      // Past the first token's expiry the refreshed socket is still connected and still served.
      await eventually(() => Date.now() > Date.parse(kept.expiresAt) + 1500, 15_000);
      expect(refreshed.disconnects).to.deep.equal([]);
      expect(refreshed.socket.connected).to.equal(true);
      const teacher = await login("t-ada");
      await rest.send(teacher.token, { to: { user: "s001" }, body: "still here?" });
      await refreshed.inbox.waitFor(1, 5000);
      expect(refreshed.inbox.messages.map((m) => m.body)).to.deep.equal(["still here?"]);
    });

    it("POST /api/logout revokes the token: its socket is closed on any member, REST and the handshake refuse it", async () => {
      const first = await login("s004");
      const second = await login("s004");
      const device = await open("s004", first.token);
      const otherDevice = await open("s004", second.token);

      // Signed out through a member that does not hold the socket.
      await otherMember(device).logout(first.token);
      await eventually(() => device.disconnects.length === 1, 5000);
      expect(device.ended).to.deep.equal(["token_revoked"]);

      const refused = await restRefusal(rest, first.token);
      expect([refused.status, refused.code, refused.message]).to.deep.equal([401, "invalid_token", "the access token was revoked (signed out); sign in again"]);
      expect(await handshakeCode(entry, first.token)).to.equal("invalid_token");
      // The user's other token (another device) is untouched.
      expect(otherDevice.socket.connected).to.equal(true);
      expect((await rest.me(second.token)).id).to.equal("s004");
    });

    it("disabling a user closes its sockets within seconds and refuses its tokens; enabling lets it back", async () => {
      const session = await login("s005");
      const student = await open("s005", session.token);
      const { stdout } = await admin("disable", "s005");
      expect(stdout).to.match(/s005 disabled/);
      await eventually(() => student.disconnects.length === 1, 5000);
      expect(student.ended).to.deep.equal(["account_disabled"]);

      const refused = await restRefusal(otherMember(student), session.token);
      expect([refused.status, refused.code]).to.deep.equal([403, "forbidden"]);
      expect(await handshakeCode(entry, session.token)).to.equal("forbidden");
      const login403 = await login("s005").then(() => undefined, (e: RestError) => e);
      expect([login403?.status, login403?.code]).to.deep.equal([403, "forbidden"]);
      const teacher = await login("t-ada");
      await rest.send(teacher.token, { to: { class: "math-7a" }, body: "while s005 is disabled" });
      expect(student.inbox.messages).to.deep.equal([]);

      await admin("enable", "s005");
      expect((await rest.me(session.token)).id).to.equal("s005");
    });

    it("deleting a user closes its sockets, takes it out of its classes and refuses its tokens", async () => {
      const session = await login("s006");
      const student = await open("s006", session.token);
      const classmate = await open("s007");
      const teacher = await login("t-ada");
      await rest.send(teacher.token, { to: { class: "math-7a" }, body: "before" });
      await Promise.all([student.inbox.waitFor(1), classmate.inbox.waitFor(1)]);

      await admin("delete", "s006");
      await eventually(() => student.disconnects.length === 1, 5000);
      expect(student.ended).to.deep.equal(["account_deleted"]);
      const receipt = await rest.send(teacher.token, { to: { class: "math-7a" }, body: "after" });
      expect(receipt.receipts.map((r) => r.userId)).to.not.include("s006");
      await classmate.inbox.waitFor(2);
      expect(student.inbox.messages.map((m) => m.body)).to.deep.equal(["before"]);
      const refused = await restRefusal(otherMember(student), session.token);
      expect([refused.status, refused.code]).to.deep.equal([401, "invalid_token"]);
      expect(await handshakeCode(entry, session.token)).to.equal("invalid_token");
      await rest.login("s006", TEST_PASSWORD).then(
        () => expect.fail("a deleted user signed in"),
        (err: RestError) => expect(err.code).to.equal("invalid_credentials"),
      );
    });

    if (mode !== "hash") return;

    it("ringcast/client: getToken refreshes on the live connection (one connection across expiries); logout() ends it", async () => {
      let calls = 0;
      const getToken = async (): Promise<string> => {
        calls++;
        return (await login("s008")).token;
      };
      const client = await RingcastClient.signIn({ url: entry, getToken }, { userId: "s008", password: TEST_PASSWORD });
      clients.push(client);
      const states: string[] = [];
      const received: Message[] = [];
      const errors: RingcastClientError[] = [];
      let sessions = 0;
      client.on("state", (s) => states.push(s));
      client.on("session", () => sessions++);
      client.on("message", (m) => received.push(m));
      client.on("error", (e) => errors.push(e));
      expect(reachable(client, TEST_PASSWORD), "the password is kept in the client").to.equal(false);
      const firstToken = client.token;
      const firstExpiry = (JSON.parse(Buffer.from(firstToken.split(".")[1]!, "base64url").toString()) as { exp: number }).exp * 1000;
      await client.connect();

      await eventually(() => Date.now() > firstExpiry + 1500, 15_000);
      expect(calls).to.be.at.least(1);
      expect(client.token).to.not.equal(firstToken);
      expect([client.state, sessions, states, errors]).to.deep.equal(["connected", 1, ["connecting", "connected"], []]);
      const teacher = await login("t-ada");
      await rest.send(teacher.token, { to: { class: "math-7a" }, body: "past the first expiry" });
      await eventually(() => received.length === 1, 5000);

      const token = client.token;
      await client.logout();
      expect(client.state).to.equal("closed");
      expect((await restRefusal(rest, token)).code).to.equal("invalid_token");
    });

    it("ringcast/client: when the refresh at the notice fails, the session ends at expiry and getToken brings it back", async () => {
      let calls = 0;
      const getToken = async (): Promise<string> => {
        if (++calls === 1) throw new Error("token service briefly unavailable");
        return (await login("s010")).token;
      };
      const client = await RingcastClient.signIn({ url: entry, getToken }, { userId: "s010", password: TEST_PASSWORD });
      clients.push(client);
      const errors: string[] = [];
      const reasons: (string | undefined)[] = [];
      let sessions = 0;
      client.on("error", (e) => errors.push(e.code));
      client.on("state", (s, reason) => s === "reconnecting" && reasons.push(reason));
      client.on("session", () => sessions++);
      await client.connect();
      await eventually(() => sessions === 2, (TTL_S + 5) * 1000);
      expect([client.state, calls, errors, reasons]).to.deep.equal(["connected", 2, ["token_refresh_failed"], ["the access token expired"]]);
    });

    it("ringcast/client without getToken: goes offline with token_expired at expiry instead of reconnecting", async () => {
      const client = await RingcastClient.signIn({ url: entry }, { userId: "s009", password: TEST_PASSWORD });
      clients.push(client);
      const errors: RingcastClientError[] = [];
      const expiring: string[] = [];
      client.on("error", (e) => errors.push(e));
      client.on("token-expiring", (info) => expiring.push(info.expiresAt));
      await client.connect();
      await eventually(() => client.state === "offline", (TTL_S + 3) * 1000);
      expect(expiring).to.have.length(1);
      expect(errors.map((e) => e.code)).to.deep.equal(["token_expired"]);
    });
  });
}

/** True when `needle` is a string value reachable from `root` through own properties (bounded walk). */
function reachable(root: object, needle: string): boolean {
  const seen = new WeakSet<object>();
  const queue: unknown[] = [root];
  for (let visited = 0; queue.length > 0 && visited < 50_000; visited++) {
    const value = queue.shift();
    if (value === needle) return true;
    if (typeof value !== "object" || value === null || seen.has(value)) continue;
    seen.add(value);
    for (const key of Object.getOwnPropertyNames(value)) queue.push((value as Record<string, unknown>)[key]);
  }
  return false;
}
