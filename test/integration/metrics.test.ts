import { readFileSync } from "node:fs";
import { expect } from "chai";
import { RingcastRest } from "../../client/rest.ts";
import { freePort } from "../../server/cli/local-redis.ts";
import { connectInbox, connectSocket, eventually, Inbox, tokenFor } from "../support/clients.ts";
import { type InProcessMember, startInProcessMember } from "../support/in-process.ts";
import { OPERATOR_TOKEN } from "../support/processes.ts";
import { seedSchool, sharedRedis, uniquePrefix } from "../support/redis.ts";

/** One series' value from Prometheus text, e.g. value(text, 'ringcast_refused_total{code="forbidden"'). */
function value(text: string, series: string): number | undefined {
  const line = text.split("\n").find((l) => l.startsWith(series) && !l.startsWith("#"));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(" ") + 1));
}

describe("metrics: GET /metrics in Prometheus format", function () {
  this.timeout(20_000);
  let server: InProcessMember;
  let metricsPort: number;
  const scrape = async (token = OPERATOR_TOKEN): Promise<string> => {
    const response = await fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${token}` } });
    expect(response.status).to.equal(200);
    expect(response.headers.get("content-type")).to.match(/^text\/plain/);
    return response.text();
  };

  before(async () => {
    const redis = await sharedRedis();
    const prefix = uniquePrefix("metrics");
    await seedSchool(redis.url, prefix);
    metricsPort = await freePort();
    server = await startInProcessMember({ redisUrl: redis.url, prefix, env: { RINGCAST_METRICS_PORT: String(metricsPort) } });
  });

  after(() => server.close());

  it("is for operators only on the member's port", async () => {
    expect((await fetch(`${server.url}/metrics`)).status).to.equal(401);
    expect((await fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${await tokenFor(server.url, "s001")}` } })).status).to.equal(403);
  });

  it("counts connections, sends, deliveries and refusals as they happen, beside the process metrics", async () => {
    const before = await scrape();
    for (const name of ["ringcast_process_cpu_seconds_total", "ringcast_nodejs_eventloop_lag_seconds", "ringcast_connections", "ringcast_membership_epoch", 'ringcast_redis_up{connection="store"']) {
      expect(value(before, name), name).to.not.equal(undefined);
    }
    const [teacher, student] = await Promise.all([tokenFor(server.url, "t-ada"), tokenFor(server.url, "s001")]);
    const inbox = new Inbox(await connectSocket(server.url, { token: student }));
    await new RingcastRest(server.url).send(teacher, { to: { class: "math-7a" }, body: "counted" });
    await inbox.waitFor(1);
    await new RingcastRest(server.url).send(student, { to: { class: "math-7a" }, body: "refused" }).catch(() => undefined);
    const after = await scrape();
    const delta = (series: string) => (value(after, series) ?? 0) - (value(before, series) ?? 0);
    expect(value(after, "ringcast_connections")).to.be.at.least(1);
    expect(delta('ringcast_messages_sent_total{to="class"')).to.equal(1);
    expect(delta("ringcast_messages_delivered_total")).to.be.at.least(1);
    expect(delta('ringcast_refused_total{code="forbidden"')).to.equal(1);
    expect(value(after, 'ringcast_redis_up{connection="store"')).to.equal(1);
    expect(value(after, 'ringcast_redis_ping_seconds{connection="store"')).to.be.within(0, 1);
    expect(value(after, "ringcast_draining")).to.equal(0);
    // A socket that resumes from before the class message gets it as a replay.
    const replayedBefore = value(after, "ringcast_messages_replayed_total") ?? 0;
    const resumed = await connectInbox(server.url, { token: student, lastMessageId: "0-0" });
    await resumed.waitFor(1);
    resumed.socket.close();
    expect((value(await scrape(), "ringcast_messages_replayed_total") ?? 0) - replayedBefore).to.be.at.least(1);
    inbox.socket.close();
  });

  it("has every series the Grafana dashboard in docs/ charts (the gateway's and hash mode's aside)", async () => {
    const dashboard = readFileSync(new URL("../../docs/grafana-dashboard.json", import.meta.url), "utf8");
    const charted = new Set([...dashboard.matchAll(/ringcast_[a-z0-9_]+/g)].map((m) => m[0]).filter((name) => !name.startsWith("ringcast_gateway_") && !["ringcast_peer_links_up", "ringcast_rebalance_moved_total", "ringcast_rebalance_pending"].includes(name)));
    const names = new Set([...(await scrape()).matchAll(/^(ringcast_[a-z0-9_]+)/gm)].map((m) => m[1]!.replace(/_(bucket|sum|count)$/, "")));
    expect([...charted].filter((name) => !names.has(name))).to.deep.equal([]);
  });

  it("also serves /metrics without a token on RINGCAST_METRICS_PORT", async () => {
    await eventually(async () => (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).ok);
    const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    expect(value(text, "ringcast_members")).to.equal(1);
    expect((await fetch(`http://127.0.0.1:${metricsPort}/other`)).status).to.equal(404);
  });
});
