import type { DisruptionRow } from "./disruption-run.ts";
import type { IdleRow } from "./idle-run.ts";
import type { Row } from "./report.ts";
import type { SystemKind } from "./systems/system.ts";

export interface TargetCheck {
  target: string;
  measured: string;
  met: boolean | undefined;
}

const cpu = (rows: Row[], scenario: string, system: SystemKind, members: number): number | undefined =>
  rows.find((r) => r.scenario === scenario && r.system === system && r.members === members)?.cpuMsPer1000.median;
const redisCmds = (rows: Row[], scenario: string, system: SystemKind, members: number): number | undefined =>
  rows.find((r) => r.scenario === scenario && r.system === system && r.members === members)?.redisCommandsPerMessage.median;
const x = (a: number | undefined, b: number | undefined): number | undefined => (a === undefined || b === undefined || b === 0 ? undefined : a / b);
const show = (v: number | undefined, digits = 2, suffix = "×"): string => (v === undefined || !Number.isFinite(v) ? "not measured" : `${v.toFixed(digits)}${suffix}`);
const atMost = (v: number | undefined, limit: number): boolean | undefined => (v === undefined || !Number.isFinite(v) ? undefined : v <= limit);

/** The performance targets, each with the figure this run measured. */
export function checkTargets(rows: Row[], idle: IdleRow[], disruptions: DisruptionRow[]): TargetCheck[] {
  const ns = [...new Set(rows.map((r) => r.members))].sort((a, b) => a - b);
  const [first, last] = [ns[0], ns.at(-1)];
  const checks: TargetCheck[] = [];
  for (const system of ["ringcast-hash", "ringcast-hash-durable"] as const) {
    const slope = first !== undefined && last !== undefined && last > first ? ((cpu(rows, "unicast", system, last) ?? NaN) - (cpu(rows, "unicast", system, first) ?? NaN)) / (last - first) : undefined;
    checks.push({ target: `${system} unicast: cost flat in N (≤ +10 CPU-ms per 1000 messages per extra member)`, measured: show(slope, 1, " CPU-ms per member"), met: atMost(slope, 10) });
    const vsClassic = x(cpu(rows, "unicast", system, 8), cpu(rows, "unicast", "vanilla", 8));
    checks.push({ target: `${system} unicast at N=8: ≤ 0.40× vanilla classic`, measured: show(vsClassic), met: atMost(vsClassic, 0.4) });
    const vsSharded = x(cpu(rows, "unicast", system, 8), cpu(rows, "unicast", "vanilla-sharded", 8));
    checks.push({ target: `${system} unicast at N=8: ≤ 0.60× sharded-dynamic`, measured: show(vsSharded), met: atMost(vsSharded, 0.6) });
    const fanOut = x(cpu(rows, "class", system, 8), cpu(rows, "class", "vanilla", 8));
    checks.push({ target: `${system} class fan-out at N=8: ≤ 0.6× CPU per delivery`, measured: show(fanOut), met: atMost(fanOut, 0.6) });
  }
  const local = redisCmds(rows, "unicast", "ringcast-hash", 1);
  checks.push({ target: "ringcast-hash: a message to a user on the publishing member never touches Redis (N=1)", measured: show(local, 2, " Redis commands per message"), met: local === undefined ? undefined : local < 0.05 });
  for (const system of ["ringcast-broadcast", "ringcast-broadcast-durable"] as const) {
    const ratios = rows.filter((r) => r.system === system).map((r) => x(r.cpuMsPer1000.median, cpu(rows, r.scenario, "vanilla", r.members)) ?? NaN);
    const worst = ratios.length > 0 ? Math.max(...ratios) : undefined;
    checks.push({ target: `${system}: CPU per delivery no worse than 1.0× in every scenario and N (worst case)`, measured: show(worst), met: atMost(worst, 1.0) });
  }
  const base = idle.find((r) => r.system === "vanilla");
  for (const row of idle.filter((r) => r.system.startsWith("ringcast"))) {
    const rss = x(row.rssKbPerConnection.median, base?.rssKbPerConnection.median);
    const heap = x(row.heapKbPerConnection.median, base?.heapKbPerConnection.median);
    checks.push({ target: `${row.system}: memory per idle connection ≤ 0.75× vanilla (RSS, heap)`, measured: `${show(rss)}, ${show(heap)}`, met: rss === undefined || heap === undefined ? undefined : rss <= 0.75 && heap <= 0.75 });
  }
  for (const row of disruptions.filter((r) => r.scenario === "rebalance-moved")) {
    const share = row.affected === 0 ? undefined : row.disconnected / row.affected;
    checks.push({ target: "rebalance: disconnected users ≤ 1.05× users whose owner changed", measured: show(share), met: atMost(share, 1.05) });
    const all = row.reached === row.users ? row.probeMaxMs : undefined;
    checks.push({ target: "rebalance: every user reachable within 3 s", measured: all === undefined ? "not all reached" : `${Math.round(all)} ms`, met: all === undefined ? false : all <= 3000 });
  }
  return checks;
}

export function targetsMarkdown(checks: TargetCheck[]): string {
  const mark = (met: boolean | undefined): string => (met === undefined ? "not measured" : met ? "met" : "**missed**");
  return [
    "",
    "## Targets",
    "",
    "| target | measured | |",
    "| --- | --- | --- |",
    ...checks.map((c) => `| ${c.target} | ${c.measured} | ${mark(c.met)} |`),
    "",
  ].join("\n");
}
