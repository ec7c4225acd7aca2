import type { Figure } from "./measure/stats.ts";
import type { Row } from "./report.ts";
import { isDurable } from "./systems/system.ts";
import type { TargetCheck } from "./targets.ts";

const median = (f: Figure | undefined): number | undefined => (f === undefined || !Number.isFinite(f.median) ? undefined : f.median);
const show = (v: number | undefined, digits = 2, suffix = "×"): string => (v === undefined ? "not measured" : `${v.toFixed(digits)}${suffix}`);
const ratio = (a: number | undefined, b: number | undefined): number | undefined => (a === undefined || b === undefined || b === 0 ? undefined : a / b);

/**
 * The durable path's targets (issue 12), each against vanilla plain emits in the same run. They
 * are stated for full logs: a row measured on empty logs (--prefill off) says so and counts as
 * not measured.
 */
export function checkDurableTargets(rows: Row[]): TargetCheck[] {
  const checks: TargetCheck[] = [];
  const find = (scenario: string, system: string, members: number): Row | undefined => rows.find((r) => r.scenario === scenario && r.system === system && r.members === members);
  const check = (target: string, row: Row | undefined, value: number | undefined, limit: number, kind: "atMost" | "atLeast", digits = 2, suffix = "×"): void => {
    const measured = show(value, digits, suffix);
    if (!row || value === undefined) return void checks.push({ target, measured, met: undefined });
    if (!row.prefill) return void checks.push({ target, measured: `${measured} (logs empty)`, met: undefined });
    checks.push({ target, measured, met: kind === "atMost" ? value <= limit : value >= limit });
  };
  const systems = [...new Set(rows.map((r) => r.system).filter(isDurable))];
  const ns = [...new Set(rows.map((r) => r.members))].sort((a, b) => a - b);
  for (const system of systems) {
    for (const members of ns) {
      const vs = (scenario: string, pick: (r: Row) => Figure): [Row | undefined, number | undefined] => {
        const [row, base] = [find(scenario, system, members), find(scenario, "vanilla", members)];
        return [row, ratio(row && median(pick(row)), base && median(pick(base)))];
      };
      const at = `${system} N=${members}`;
      const classRow = find("class", system, members);
      check(`${at}: Redis commands per class message ≤ 5`, classRow, median(classRow?.redisCommandsPerMessage), 5, "atMost", 1, "");
      const direct = find("unicast", system, members);
      check(`${at}: Redis commands per direct message ≤ 6`, direct, median(direct?.redisCommandsPerMessage), 6, "atMost", 1, "");
      for (const scenario of ["class", "rest"]) {
        const row = find(scenario, system, members);
        check(`${at} ${scenario}: Redis CPU per 1000 deliveries ≤ 10 ms`, row, median(row?.redisCpuMsPer1000Deliveries), 10, "atMost", 1, " ms");
      }
      check(`${at} rest-max: class messages/s ≥ 0.5× vanilla`, ...vs("rest-max", (r) => r.messagesPerSecond), 0.5, "atLeast");
      check(`${at} rest: CPU per delivery ≤ 1.5× vanilla`, ...vs("rest", (r) => r.cpuMsPer1000), 1.5, "atMost");
      check(`${at} rest: REST p99 ≤ 2× vanilla`, ...vs("rest", (r) => r.ackP99Ms), 2, "atMost");
      check(`${at} rest: end-to-end p99 ≤ 2× vanilla`, ...vs("rest", (r) => r.latencyP99Ms), 2, "atMost");
      check(`${at} unicast: CPU per message ≤ 1.3× vanilla`, ...vs("unicast", (r) => r.cpuMsPer1000), 1.3, "atMost");
      check(`${at} class: CPU per delivery ≤ 1.5× vanilla`, ...vs("class", (r) => r.cpuMsPer1000), 1.5, "atMost");
      for (const scenario of ["unicast", "class"]) check(`${at} ${scenario}: p99 ≤ 2× vanilla`, ...vs(scenario, (r) => r.latencyP99Ms), 2, "atMost");
    }
  }
  // Only the targets this run had figures for: a run of a few scenarios stays readable.
  return checks.filter((c) => c.measured !== "not measured");
}
