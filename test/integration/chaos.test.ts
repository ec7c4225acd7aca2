import { expect } from "chai";
import { type ChaosReport, type ChaosStep, runChaos } from "../chaos/chaos-run.ts";

/**
 * Shortened chaos runs (the full ones: `npm run chaos`): steady traffic through a gateway while
 * members are killed, added, removed or restarted one by one and Redis restarts. Every
 * acknowledged message must reach its recipients' applications exactly once, in order.
 */
function expectExactlyOnce(report: ChaosReport): void {
  const summary = JSON.stringify(report, null, 2);
  expect(report.events.filter((e) => e.includes("skipped")), summary).to.deep.equal([]);
  expect(report.acknowledged, summary).to.be.greaterThan(100);
  expect(report.expectedDeliveries, summary).to.be.greaterThan(report.acknowledged);
  expect({ lost: report.lost, duplicates: report.duplicates, outOfOrder: report.outOfOrder }, summary).to.deep.equal({
    lost: 0,
    duplicates: 0,
    outOfOrder: 0,
  });
}

const DISRUPTIONS: ChaosStep[] = ["kill", "join", "redis", "remove", "kill"];

for (const mode of ["hash", "broadcast"] as const) {
  describe(`chaos, ${mode} mode (shortened)`, function () {
    this.timeout(180_000);

    it("kill -9 twice, a join, a removal and a Redis restart under traffic: nothing acknowledged lost or duplicated", async () => {
      const report = await runChaos({ mode, seconds: 20, plan: DISRUPTIONS, redisDownMs: 2000, classes: 3, rate: 20 });
      expectExactlyOnce(report);
      expect(report.refused, "sends refused while Redis was down").to.be.greaterThan(0);
    });

    it("kill -9 of the Redis Sentinel primary under traffic: refused while it fails over, then accepted, nothing acknowledged lost; no member evicted", async () => {
      const report = await runChaos({ mode, seconds: 20, plan: ["failover"], redisDownMs: 0, classes: 3, rate: 20, redis: "sentinel" });
      expectExactlyOnce(report);
      expect(report.refused, "sends refused during the failover").to.be.greaterThan(0);
      expect(report.acceptedAgainMs?.[0], "sends accepted again after the failover").to.be.at.least(0);
      const [before, after] = report.ringEpochs ?? [];
      expect(after, "the ring epoch (a member evicted by the failover would move it)").to.equal(before);
    });

    it("a Redis Cluster resharded twice and its primary killed under traffic: nothing acknowledged lost; no member evicted; no CROSSSLOT, MOVED or ASK seen", async () => {
      const plan: ChaosStep[] = ["reshard", "shard-failover", "reshard"];
      const report = await runChaos({ mode, seconds: 25, plan, redisDownMs: 0, classes: 3, rate: 20, redis: "cluster" });
      expectExactlyOnce(report);
      const moves = report.events.map((e) => / -> :(\d+) .* now on :(\d+)$/.exec(e)).filter((m) => m !== null);
      expect(moves.map((m) => m[2]), "the run's slot moved to the target of each reshard").to.deep.equal(moves.map((m) => m[1])).and.have.length(2);
      expect(report.acceptedAgainMs?.[0], "sends accepted again after the failover").to.be.at.least(0);
      const [before, after] = report.ringEpochs ?? [];
      expect(after, "the ring epoch (a member evicted by the failover would move it)").to.equal(before);
      expect(report.clusterErrors, JSON.stringify(report.clusterErrors)).to.deep.include({ refusals: 0, logLines: 0 });
    });

    it("a rolling restart of every member under traffic: 0 lost, 0 duplicated", async () => {
      const report = await runChaos({ mode, seconds: 15, plan: ["rolling"], redisDownMs: 0, classes: 3, rate: 20 });
      expectExactlyOnce(report);
      expect(report.events[0]).to.match(/^\S+ rolling restart of m\d, m\d, m\d$/);
    });
  });
}
