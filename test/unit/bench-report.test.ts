import { expect } from "chai";
import type { Measurement } from "../../bench/bench-run.ts";
import { figure, quantile } from "../../bench/measure/stats.ts";
import { chartSvg } from "../../bench/chart.ts";
import { buildRows, markdown } from "../../bench/report.ts";
import { SCENARIOS } from "../../bench/scenarios.ts";

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
  return { scenario: "unicast", system, members: 2, run, result, clusterCpuMs: overrides.cpu ?? 2000, redisCpuMs: 400, redisCommands: 8000 };
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
});
