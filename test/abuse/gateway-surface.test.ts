import { expect } from "chai";
import { type ClusterProcess, OPERATOR_TOKEN, spawnGateway, spawnMember } from "../support/processes.ts";
import { seedSchool, sharedRedis, uniquePrefix } from "../support/redis.ts";


/** What the gateway tells whom. */
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

});
