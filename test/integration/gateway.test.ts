import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { request } from "node:https";
import { join } from "node:path";
import { expect } from "chai";
import { ensureCommand } from "../../server/cli/system-command.ts";
import { io } from "socket.io-client";
import { RingcastRest } from "../../client/rest.ts";
import { buildDemoSchool } from "../../server/school/demo-school.ts";
import { eventually, Inbox, tokenFor } from "../support/clients.ts";
import { closeFleet, connectFleet } from "../support/fleet.ts";
import { type ClusterProcess, OPERATOR_TOKEN, spawnGateway, spawnMember } from "../support/processes.ts";
import { seedSchool, sharedRedis, TEST_PASSWORD, uniquePrefix } from "../support/redis.ts";
import { tempDir } from "../support/temp.ts";

const MATH_7A = buildDemoSchool().classes.find((c) => c.id === "math-7a")!.studentIds;

describe("gateway", function () {
  this.timeout(60_000);

  describe("broadcast mode: sticky by Engine.IO session id", () => {
    let members: ClusterProcess[] = [];
    let gateway: ClusterProcess;

    before(async () => {
      const redis = await sharedRedis();
      const prefix = uniquePrefix("gw-broadcast");
      await seedSchool(redis.url, prefix);
      members = await Promise.all(["a", "b"].map((id) => spawnMember({ redisUrl: redis.url, prefix, nodeId: id })));
      gateway = await spawnGateway({ redisUrl: redis.url, prefix, mode: "broadcast" });
    });

    after(() => Promise.all([gateway.stop(), ...members.map((m) => m.stop())]));

    it("keeps polling-only sessions on their member and spreads new ones over both", async () => {
      const inboxes: Inbox[] = [];
      const members = new Set<string>();
      for (const id of MATH_7A.slice(0, 12)) {
        const token = await tokenFor(gateway.url, id);
        const socket = io(gateway.url, { query: { token }, transports: ["polling"], forceNew: true, reconnection: false });
        socket.on("ringcast:session", (s: { member: string }) => members.add(s.member));
        await new Promise<void>((resolve, reject) => {
          socket.once("connect", () => resolve());
          socket.once("connect_error", reject);
        });
        inboxes.push(new Inbox(socket));
      }
      const sockets = inboxes.map((i) => i.socket);
      const drops: string[] = [];
      for (const s of sockets) s.on("disconnect", (reason) => drops.push(reason));
      try {
        await eventually(() => members.size === 2, 3000);
        const teacher = await tokenFor(gateway.url, "t-ada");
        const receipt = await new RingcastRest(gateway.url).send(teacher, { to: { class: "math-7a" }, body: "via gateway" });
        // By content: on a Redis Cluster a class message's id is each student's log group's.
        for (const inbox of inboxes) expect((await inbox.waitFor(1))[0]).to.include({ body: "via gateway", sentAt: receipt.sentAt });
        const ack = await sockets[0]!.emitWithAck("message:send", { to: { user: "t-ada" }, body: "thanks" });
        expect(ack.ok).to.equal(true);
        expect(drops).to.deep.equal([]);
      } finally {
        for (const s of sockets) s.close();
      }
    });

    it("lets default clients upgrade to WebSocket through the proxy", async () => {
      const fleet = await connectFleet(gateway.url, MATH_7A.slice(12, 20));
      try {
        await eventually(() => fleet.every((u) => u.socket.io.engine.transport.name === "websocket"), 10_000);
        const teacher = await tokenFor(gateway.url, "t-ada");
        await new RingcastRest(gateway.url).send(teacher, { to: { class: "math-7a" }, body: "upgraded" });
        for (const u of fleet) expect((await u.inbox.waitFor(1))[0]!.body).to.equal("upgraded");
      } finally {
        closeFleet(fleet);
      }
    });

    it("reports its view to operators at /gateway/status", async () => {
      const headers = { authorization: `Bearer ${OPERATOR_TOKEN}` };
      const health = (await (await fetch(`${gateway.url}/gateway/status`, { headers })).json()) as { mode: string; members: { id: string }[] };
      expect(health.mode).to.equal("broadcast");
      expect(health.members.map((m) => m.id)).to.deep.equal(["a", "b"]);
    });
  });

  describe("TLS and an empty cluster", () => {
    let redisUrl: string;
    let prefix: string;

    before(async () => {
      redisUrl = (await sharedRedis()).url;
      prefix = uniquePrefix("gw-tls");
      await seedSchool(redisUrl, prefix);
    });

    it("answers 503 with a JSON error while no member is up", async () => {
      const gateway = await spawnGateway({ redisUrl, prefix, mode: "hash" });
      try {
        const response = await fetch(`${gateway.url}/api/login`, { method: "POST" });
        expect(response.status).to.equal(503);
        expect(((await response.json()) as { error: { code: string } }).error.code).to.equal("service_unavailable");
      } finally {
        await gateway.stop();
      }
    });

    it("terminates TLS: https for REST, wss for sockets", async () => {
      const dir = tempDir("tls");
      const [cert, key] = [join(dir, "cert.pem"), join(dir, "key.pem")];
      execFileSync(ensureCommand("openssl", "openssl", "macOS: brew install openssl"), ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert, "-days", "1", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"], { stdio: "ignore" });
      const member = await spawnMember({ redisUrl, prefix, nodeId: "solo", env: { RINGCAST_MODE: "hash" } });
      const gateway = await spawnGateway({ redisUrl, prefix, mode: "hash", env: { RINGCAST_TLS_CERT: cert, RINGCAST_TLS_KEY: key } });
      const url = gateway.url.replace("http:", "https:");
      const ca = readFileSync(cert, "utf8");
      try {
        const login = (userId: string) => httpsPost(`${url}/api/login`, { userId, password: TEST_PASSWORD }, ca);
        const session = (await login("s001")) as { token: string };
        // The client verifies the gateway's certificate against it (no verification turned off).
        const socket = io(url, { query: { token: session.token }, transports: ["websocket"], ca, forceNew: true });
        const inbox = new Inbox(socket);
        await new Promise<void>((resolve, reject) => {
          socket.once("connect", () => resolve());
          socket.once("connect_error", reject);
        });
        const teacher = (await login("t-ada")) as { token: string };
        await new RingcastRest(member.url).send(teacher.token, { to: { user: "s001" }, body: "over wss" });
        expect((await inbox.waitFor(1))[0]!.body).to.equal("over wss");
        socket.close();
      } finally {
        await Promise.all([gateway.stop(), member.stop()]);
      }
    });
  });
});

/** POST JSON over https, trusting `ca`. */
function httpsPost(url: string, body: unknown, ca: string): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: "POST", ca, headers: { "content-type": "application/json" } }, (res) => {
      let text = "";
      res.on("data", (chunk: Buffer) => (text += chunk.toString()));
      res.on("end", () => (res.statusCode === 200 ? resolve(JSON.parse(text)) : reject(new Error(`${res.statusCode}: ${text}`))));
    });
    req.on("error", reject);
    req.end(JSON.stringify(body));
  });
}
