import { expect } from "chai";
import { type ClusterProcess, OPERATOR_TOKEN, spawnGateway, spawnMember } from "../support/processes.ts";
import { getRequest, hasHead, head, openRaw, type RawConnection } from "../support/raw-http.ts";
import { seedSchool, sharedRedis, uniquePrefix } from "../support/redis.ts";

/** What the gateway tells whom, and how it ends a connection a member answered early. */
describe("gateway surface", function () {
  this.timeout(60_000);
  let redisUrl: string;
  let prefix: string;
  let member: ClusterProcess;
  let gateway: ClusterProcess;

  before(async () => {
    redisUrl = (await sharedRedis()).url;
    prefix = uniquePrefix("gw-surface");
    await seedSchool(redisUrl, prefix);
    member = await spawnMember({ redisUrl, prefix, nodeId: "solo" });
    // The test helpers give every process RINGCAST_OPERATOR_TOKEN=OPERATOR_TOKEN.
    gateway = await spawnGateway({ redisUrl, prefix, mode: "broadcast" });
  });

  after(() => Promise.all([gateway?.stop(), member?.stop()]));

  describe("health and status", () => {
    it("answers /gateway/healthz to anyone without internals", async () => {
      const response = await fetch(`${gateway.url}/gateway/healthz`);
      expect(response.status).to.equal(200);
      expect(await response.json()).to.deep.equal({ status: "ok", mode: "broadcast" });
    });

    it("answers /gateway/status only to the operator token: 401 without one, 403 with another", async () => {
      const status = (authorization?: string) => fetch(`${gateway.url}/gateway/status`, { headers: authorization ? { authorization } : {} });
      const anonymous = await status();
      expect(anonymous.status).to.equal(401);
      expect(((await anonymous.json()) as { error: { code: string } }).error.code).to.equal("missing_token");
      for (const wrong of [`Bearer ${OPERATOR_TOKEN.slice(0, -1)}x`, "Bearer short", `Bearer ${OPERATOR_TOKEN}${OPERATOR_TOKEN}`]) {
        const refused = await status(wrong);
        expect(refused.status, wrong).to.equal(403);
        expect(((await refused.json()) as { error: { code: string } }).error.code).to.equal("forbidden");
      }
      const operator = await status(`Bearer ${OPERATOR_TOKEN}`);
      expect(operator.status).to.equal(200);
      const body = (await operator.json()) as { mode: string; members: { id: string; url: string }[]; sessions: number };
      expect(body.mode).to.equal("broadcast");
      expect(body.members).to.deep.equal([{ id: "solo", url: member.url }]);
      expect(body.sessions).to.be.a("number");
    });

    it("serves its own Prometheus metrics at /metrics to operators only", async () => {
      expect((await fetch(`${gateway.url}/metrics`)).status).to.equal(401);
      const scraped = await fetch(`${gateway.url}/metrics`, { headers: { authorization: `Bearer ${OPERATOR_TOKEN}` } });
      expect(scraped.status).to.equal(200);
      const text = await scraped.text();
      expect(text).to.match(/^ringcast_members\{[^}]*role="gateway"[^}]*\} 1$/m);
      expect(text).to.include("ringcast_gateway_sessions").and.include("ringcast_process_resident_memory_bytes");
    });

    it("refuses /gateway/status to everyone when no operator token is configured", async () => {
      // An empty variable counts as unset.
      const bare = await spawnGateway({ redisUrl, prefix, mode: "broadcast", env: { RINGCAST_OPERATOR_TOKEN: "" } });
      try {
        const response = await fetch(`${bare.url}/gateway/status`, { headers: { authorization: `Bearer ${OPERATOR_TOKEN}` } });
        expect(response.status).to.equal(403);
      } finally {
        await bare.stop();
      }
    });
  });

  describe("a 413 on a keep-alive connection", () => {
    /**
     * Sends a POST declaring `size` bytes with only its first bytes, so the member answers 413
     * (from Content-Length alone) while the body is still unsent; then the rest and a GET follow.
     */
    async function oversizedPostThenGet(size: number): Promise<{ conn: RawConnection; refusal: string }> {
      const conn = await openRaw(gateway.port);
      const body = Buffer.alloc(size, "a");
      conn.socket.write(head("POST /api/login HTTP/1.1", { host: "127.0.0.1", "content-type": "application/json", "content-length": String(size) }));
      conn.socket.write(body.subarray(0, 1024));
      const refusal = await conn.waitFor(hasHead);
      conn.socket.write(body.subarray(1024));
      conn.socket.write(getRequest("/healthz"));
      return { conn, refusal };
    }

    it("keeps the connection serving after a 413 for a body under 1 MiB", async () => {
      const { conn, refusal } = await oversizedPostThenGet(512 * 1024);
      try {
        expect(refusal).to.match(/^HTTP\/1\.1 413 /);
        await conn.waitFor((text) => text.includes("HTTP/1.1 200 OK"));
        expect(conn.received()).to.include('"status":"ok"');
      } finally {
        conn.socket.destroy();
      }
    });

    it("says Connection: close and closes the connection after a 413 for a larger body", async () => {
      const { conn, refusal } = await oversizedPostThenGet(8 * 1024 * 1024);
      expect(refusal).to.match(/^HTTP\/1\.1 413 /);
      expect(refusal.toLowerCase()).to.include("connection: close");
      await new Promise<void>((resolve, reject) => {
        if (conn.socket.closed) return resolve();
        const timer = setTimeout(() => reject(new Error("the gateway left the connection open")), 5000);
        conn.socket.once("close", () => {
          clearTimeout(timer);
          resolve();
        });
      });
      expect(conn.received()).to.include('"code":"payload_too_large"');
      expect((await fetch(`${gateway.url}/healthz`)).status).to.equal(200);
    });
  });
});
