import { expect } from "chai";
import { eventually, tokenFor } from "../support/clients.ts";
import { type ClusterProcess, spawnGateway, spawnMember } from "../support/processes.ts";
import { enginePath, hasHead, isSwitching, openRaw, type RawConnection, upgradeRequest } from "../support/raw-http.ts";
import { seedSchool, sharedRedis, TEST_PASSWORD, uniquePrefix } from "../support/redis.ts";

interface RateLimited {
  error: { code: string; message: string; retryAfterMs: number };
}

/** The gateway's own limits, set small: handshakes per client address, connections per member. */
describe("gateway limits", function () {
  this.timeout(60_000);
  let redisUrl: string;
  let prefix: string;
  let member: ClusterProcess;
  let token: string;

  before(async () => {
    redisUrl = (await sharedRedis()).url;
    prefix = uniquePrefix("gw-limits");
    await seedSchool(redisUrl, prefix);
    member = await spawnMember({ redisUrl, prefix, nodeId: "solo" });
    token = await tokenFor(member.url, "s001");
  });

  after(() => member?.stop());

  async function withGateway(env: Record<string, string>, run: (gateway: ClusterProcess) => Promise<void>): Promise<void> {
    const gateway = await spawnGateway({ redisUrl, prefix, mode: "broadcast", env });
    try {
      await run(gateway);
    } finally {
      await gateway.stop();
    }
  }

  it("refuses handshakes past RINGCAST_GATEWAY_HANDSHAKES_PER_ADDRESS with 429, polling and upgrades alike", async () => {
    await withGateway({ RINGCAST_GATEWAY_HANDSHAKES_PER_ADDRESS: "4/60" }, async (gateway) => {
      const sids: string[] = [];
      for (let i = 0; i < 4; i++) {
        const response = await fetch(`${gateway.url}${enginePath(token, "polling")}`);
        expect(response.status).to.equal(200);
        sids.push(/"sid":"([^"]+)"/.exec(await response.text())![1]!);
      }
      const refused = await fetch(`${gateway.url}${enginePath(token, "polling")}`);
      expect(refused.status).to.equal(429);
      expect(Number(refused.headers.get("retry-after"))).to.be.within(1, 60);
      const body = (await refused.json()) as RateLimited;
      expect(body.error.code).to.equal("rate_limited");
      expect(body.error.retryAfterMs).to.be.within(1, 60_000);

      const upgrade = await openRaw(gateway.port);
      upgrade.socket.write(upgradeRequest(enginePath(token, "websocket")));
      const answer = await upgrade.waitFor(hasHead);
      expect(answer).to.match(/^HTTP\/1\.1 429 /);
      expect(answer.toLowerCase()).to.include("retry-after:");
      await closed(upgrade);
      expect(upgrade.received()).to.include('"code":"rate_limited"');

      // Established sessions and REST are not handshakes: they still pass.
      const connect = await fetch(`${gateway.url}${enginePath(token, "polling", sids[0])}`, { method: "POST", body: "40" });
      expect(connect.status).to.equal(200);
      const login = await fetch(`${gateway.url}/api/login`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ userId: "s002", password: TEST_PASSWORD }) });
      expect(login.status).to.equal(200);
    });
  });

  it("refuses new connections to a member past RINGCAST_GATEWAY_MAX_CONNECTIONS_PER_MEMBER with 429", async () => {
    await withGateway({ RINGCAST_GATEWAY_MAX_CONNECTIONS_PER_MEMBER: "3" }, async (gateway) => {
      const held = await Promise.all([0, 1, 2].map(() => websocket(gateway.port, token)));
      for (const conn of held) expect(conn.received()).to.match(/^HTTP\/1\.1 101 /);

      const fourth = await openRaw(gateway.port);
      fourth.socket.write(upgradeRequest(enginePath(token, "websocket")));
      expect(await fourth.waitFor(hasHead)).to.match(/^HTTP\/1\.1 429 /);
      await closed(fourth);

      const rest = await fetch(`${gateway.url}/api/me`, { headers: { authorization: `Bearer ${token}` } });
      expect(rest.status).to.equal(429);
      expect(rest.headers.get("retry-after")).to.equal("1");
      expect(((await rest.json()) as RateLimited).error.code).to.equal("rate_limited");

      // A slot frees up when a connection closes.
      held.pop()!.socket.destroy();
      await eventually(async () => (await fetch(`${gateway.url}/api/me`, { headers: { authorization: `Bearer ${token}` } })).status === 200);
      const again = await websocket(gateway.port, token);
      expect(again.received()).to.match(/^HTTP\/1\.1 101 /);
      for (const conn of [...held, again]) conn.socket.destroy();
    });
  });
});

async function websocket(port: number, token: string): Promise<RawConnection> {
  const conn = await openRaw(port);
  conn.socket.write(upgradeRequest(enginePath(token, "websocket")));
  await conn.waitFor(isSwitching);
  return conn;
}

/** Resolves once the gateway has closed `conn`. */
function closed(conn: RawConnection): Promise<void> {
  return new Promise((resolve, reject) => {
    if (conn.socket.closed) return resolve();
    const timer = setTimeout(() => reject(new Error("the gateway did not close the connection")), 5000);
    conn.socket.once("close", () => {
      clearTimeout(timer);
      resolve();
    });
  });
}
