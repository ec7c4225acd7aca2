import { expect } from "chai";
import type { Measurement } from "../../bench/bench-run.ts";
import { figure, quantile } from "../../bench/measure/stats.ts";
import { chartSvg } from "../../bench/chart.ts";
import { buildRows, markdown } from "../../bench/report.ts";
import { SCENARIOS } from "../../bench/scenarios.ts";
import { checkTargets } from "../../bench/targets.ts";

function measurement(system: Measurement["system"], run: number, overrides: Partial<Measurement["result"]> & { cpu?: number }): Measurement {
  const result = {
    sent: 8000,
    acked: 8000,
    failed: 0,
    expected: 8000,
    delivered: 8000,
    sendingMs: 8000,
    elapsedMs: 8100,
    latencyP50Ms: 2,
    latencyP99Ms: 9,
    generatorCpuMs: 2000,
    ...overrides,
  };
  return { scenario: "unicast", system, members: 2, run, result, clusterCpuMs: overrides.cpu ?? 2000, redisCpuMs: 400, redisCommands: 8000, redisCommandsByName: { publish: 8000 }, redisUsecByName: { publish: 8000 } };
}

describe("benchmark figures", () => {
  it("quantile takes the nearest rank; figure gives the median and range of finite values", () => {
    const sorted = Array.from({ length: 100 }, (_, i) => i + 1);
    expect([quantile(sorted, 0.5), quantile(sorted, 0.99), quantile(sorted, 1)]).to.deep.equal([50, 99, 100]);
    expect(figure([30, 10, Number.NaN, 20])).to.deep.equal({ median: 20, min: 10, max: 30 });
    expect(Number.isNaN(figure([]).median)).to.equal(true);
  });

  it("rows give CPU per 1000 messages, Redis commands per message, and flag a saturated generator", () => {
    const scenarios = [SCENARIOS.unicast!];
    const rows = buildRows(
      [
        measurement("vanilla", 1, { cpu: 2000 }),
        measurement("vanilla", 2, { cpu: 2400 }),
        measurement("vanilla", 3, { cpu: 2200 }),
        measurement("ringcast-hash", 1, { cpu: 4400, generatorCpuMs: 7600 }),
      ],
      scenarios,
    );
    const vanilla = rows.find((r) => r.system === "vanilla")!;
    expect(vanilla.cpuMsPer1000).to.deep.equal({ median: 275, min: 250, max: 300 });
    expect(vanilla.redisCommandsPerMessage.median).to.equal(1);
    expect(vanilla.generatorBound).to.equal(false);
    expect(rows.find((r) => r.system === "ringcast-hash")!.generatorBound).to.equal(true);
    const table = markdown(rows, scenarios, { runs: 3, seconds: 8 });
    expect(table).to.match(/\| ringcast-hash \| .* \| 2\.00× \|/);
    expect(table).to.include("load generator was the bottleneck");
  });

  it("an open loop that could not keep its rate is generator-bound", () => {
    const rows = buildRows([measurement("vanilla", 1, { sent: 5000, sendingMs: 8000 })], [SCENARIOS.unicast!]);
    expect(rows[0]!.generatorBound).to.equal(true);
  });

  it("the chart has a panel per scenario and a line per system, from N=1 to N=8", () => {
    const runs = [1, 2, 4, 8].flatMap((members) =>
      (["vanilla", "ringcast-hash"] as const).map((system) => ({ ...measurement(system, 1, { cpu: 1000 * members }), members })),
    );
    const svg = chartSvg(buildRows(runs, [SCENARIOS.unicast!]), [SCENARIOS.unicast!]);
    expect(svg).to.match(/^<svg /);
    expect(svg.match(/<polyline /g)).to.have.length(2);
    expect(svg.match(/<circle /g)).to.have.length(8);
    for (const label of ["N=1", "N=8", "unicast", "vanilla", "ringcast-hash"]) expect(svg).to.include(label);
  });

  it("targets: hash unicast slope and ratio at N=8, local sends without Redis, idle memory, rebalance", () => {
    const at = (system: Measurement["system"], members: number, cpu: number, redisCommands = 8000) => ({
      ...measurement(system, 1, { cpu }),
      members,
      redisCommands,
    });
    const rows = buildRows(
      [at("vanilla", 1, 2000), at("vanilla", 8, 4800), at("vanilla-sharded", 8, 3200), at("ringcast-hash", 1, 1600, 0), at("ringcast-hash", 8, 1760)],
      [SCENARIOS.unicast!],
    );
    const idle = [
      { system: "vanilla" as const, connections: 100, rssKbPerConnection: { median: 14, min: 14, max: 14 }, heapKbPerConnection: { median: 10, min: 10, max: 10 } },
      { system: "ringcast-hash-durable" as const, connections: 100, rssKbPerConnection: { median: 14, min: 14, max: 14 }, heapKbPerConnection: { median: 5, min: 5, max: 5 } },
    ];
    const rebalance = { scenario: "rebalance-moved" as const, users: 100, affected: 20, disconnected: 21, reached: 100, probeP50Ms: 300, probeP99Ms: 900, probeMaxMs: 1200, dropP50Ms: 100, dropMaxMs: 400, attemptP50Ms: 500, attemptMaxMs: 600, returnP50Ms: 900, returnMaxMs: 1100, refusals: 0, probesAcceptedP50Ms: 100, probesAcceptedLastMs: 200, cpuMs: { members: 1, gateways: 1, clients: 1, redis: 1 }, windowMs: 1200 };
    const checks = new Map(checkTargets(rows, idle, [rebalance]).map((c) => [c.target, c]));
    expect(checks.get("ringcast-hash unicast: cost flat in N (≤ +10 CPU-ms per 1000 messages per extra member)")).to.deep.include({ measured: "2.9 CPU-ms per member", met: true });
    expect(checks.get("ringcast-hash unicast at N=8: ≤ 0.40× vanilla classic")).to.deep.include({ measured: "0.37×", met: true });
    expect(checks.get("ringcast-hash unicast at N=8: ≤ 0.60× sharded-dynamic")).to.deep.include({ measured: "0.55×", met: true });
    expect(checks.get("ringcast-hash: a message to a user on the publishing member never touches Redis (N=1)")!.met).to.equal(true);
    expect(checks.get("ringcast-hash-durable: memory per idle connection ≤ 0.75× vanilla (RSS, heap)")).to.deep.include({ measured: "1.00×, 0.50×", met: false });
    expect(checks.get("rebalance: disconnected users ≤ 1.05× users whose owner changed")).to.deep.include({ measured: "1.05×", met: true });
    expect(checks.get("rebalance: every user reachable within 3 s")).to.deep.include({ measured: "1200 ms", met: true });
    expect(checks.get("ringcast-hash-durable unicast at N=8: ≤ 0.40× vanilla classic")!.met).to.equal(undefined);
  });
});
