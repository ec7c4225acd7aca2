/**
 * `--redis single,cluster`: each system on one redis-server and on a Redis Cluster of 3 primaries
 * (same members, same clients, same run), side by side, and how the cluster's primaries shared
 * the commands. On this 2-core machine the cluster's extra processes compete with the members for
 * the same cores, so these tables show where the commands go more than what the cluster would gain.
 */
import type { Measurement } from "./bench-run.ts";
import type { NodeShare } from "./measure/redis-commands.ts";
import { type Figure, figure } from "./measure/stats.ts";
import type { Row } from "./report.ts";
import type { Scenario } from "./scenarios.ts";
import type { TargetCheck } from "./targets.ts";

/** The issue's bound on any one primary's share of the commands, with 3 primaries. */
const MAX_PRIMARY_SHARE = 0.45;

const fmt = (f: Figure, digits = 0): string =>
  Number.isNaN(f.median) ? "–" : `${f.median.toFixed(digits)} (${f.min.toFixed(digits)}–${f.max.toFixed(digits)})`;
const pct = (f: Figure): string => (Number.isNaN(f.median) ? "–" : `${(100 * f.median).toFixed(1)}% (${(100 * f.min).toFixed(1)}–${(100 * f.max).toFixed(1)}%)`);
const ratios = (f: Figure): string => (Number.isNaN(f.median) ? "–" : `${f.median.toFixed(2)}× (${f.min.toFixed(2)}–${f.max.toFixed(2)})`);

/**
 * Delivered/s of each run on the cluster over the same run's on one Redis: the runs alternate
 * (run 1 on one, then on the other, ...), so each pair met much the same background load.
 */
function pairedRatios(measurements: Measurement[], cluster: Row): Figure {
  const perSecond = (m: Measurement): number => (m.result.delivered * 1000) / m.result.elapsedMs;
  const of = (redis: string) => measurements.filter((m) => (m.redis ?? "single") === redis && m.scenario === cluster.scenario && m.system === cluster.system && m.members === cluster.members);
  const single = of("single");
  return figure(of("cluster").map((c) => {
    const s = single.find((m) => m.run === c.run);
    return s && perSecond(s) > 0 ? perSecond(c) / perSecond(s) : Number.NaN;
  }));
}

/** What else the machine did over the runs: other processes' CPU and the hypervisor's steal (medians, ms). */
const background = (r: Row): string => `${Number.isNaN(r.otherCpuMs.median) ? "–" : Math.round(r.otherCpuMs.median)} / ${Number.isNaN(r.stealMs.median) ? "–" : Math.round(r.stealMs.median)}`;

/** Each cluster row with the same system, scenario and N on one Redis, when the run had both. */
function pairs(rows: Row[], scenarios: Scenario[]): { scenario: Scenario; single: Row | undefined; cluster: Row }[] {
  return scenarios.flatMap((scenario) =>
    rows
      .filter((r) => r.redis === "cluster" && r.scenario === scenario.name)
      .map((cluster) => ({ scenario, cluster, single: rows.find((r) => r.redis === "single" && r.scenario === scenario.name && r.system === cluster.system && r.members === cluster.members) })),
  );
}

export function clusterMarkdown(rows: Row[], scenarios: Scenario[], measurements: Measurement[]): string {
  const paired = pairs(rows, scenarios);
  if (paired.length === 0) return "";
  const lines = [
    "",
    "## One Redis against a Redis Cluster of 3 primaries",
    "",
    "The same members and clients, in the same run, on one redis-server and on a Redis Cluster of 3 primaries with a replica each (all on this machine's cores: " +
      "CPU counts every redis-server, replicas included). Figures: medians of the runs (range). Cluster ÷ one Redis: delivered/s of run i on the cluster over run i on one Redis (the runs alternate between the two), median of the runs' ratios (range). " +
      "Other CPU-ms: what processes other than the members, Redis and the load generator used during a run (/proc/stat), and stolen ms: time the hypervisor took from this VM; both summed over the cores, against 2 × the run's length available (to about ±100 ms: /proc counts each process in 10 ms ticks, so a quiet machine can show a small negative figure). " +
      "On the cluster ringcast splits its message logs into log groups (RINGCAST_LOG_GROUPS, 3 by default), one hash tag each, so a class message is one append per group.",
    "",
    "| scenario | system | N | delivered/s, one Redis | delivered/s, cluster | cluster ÷ one Redis | messages/s, one Redis | messages/s, cluster | CPU-ms per 1000, one Redis | cluster | Redis commands per message, one Redis | cluster | delivered, one Redis / cluster | other CPU-ms / stolen ms, one Redis | cluster |",
    "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ...paired.map(({ scenario, single, cluster }) => {
      const delivered = `${single ? `${(single.deliveredShare * 100).toFixed(1)}%` : "–"} / ${(cluster.deliveredShare * 100).toFixed(1)}%`;
      const of = (pick: (r: Row) => Figure, digits = 0): string => (single ? fmt(pick(single), digits) : "–");
      return (
        `| ${scenario.name} | ${cluster.system} | ${cluster.members} | ${of((r) => r.deliveredPerSecond)} | ${fmt(cluster.deliveredPerSecond)} | ${ratios(pairedRatios(measurements, cluster))} | ` +
        `${of((r) => r.messagesPerSecond)} | ${fmt(cluster.messagesPerSecond)} | ${of((r) => r.cpuMsPer1000)} | ${fmt(cluster.cpuMsPer1000)} | ` +
        `${of((r) => r.redisCommandsPerMessage, 1)} | ${fmt(cluster.redisCommandsPerMessage, 1)} | ${delivered} | ${single ? background(single) : "–"} | ${background(cluster)} |`
      );
    }),
    "",
    "Each primary's commands over a measured window (INFO commandstats read on every primary before and after it, the harness's own INFO left out). " +
      "All calls: every call commandstats counts, so a script counts once for its EVALSHA and once more for each command it ran; " +
      "without eval/evalsha: the same without the script calls themselves (each command counted once, whether a client or a script ran it). " +
      "Shares are of the calls on all primaries.",
    "",
    "| scenario | system | N | primary | all calls | share | calls without eval/evalsha | share | primary's CPU-ms |",
    "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ...paired.flatMap(({ scenario, cluster }) =>
      cluster.redisNodes.map(
        (n) =>
          `| ${scenario.name} | ${cluster.system} | ${cluster.members} | 127.0.0.1:${n.port} | ${fmt(n.calls)} | ${pct(n.share)} | ${fmt(n.callsWithoutScripts)} | ${pct(n.shareWithoutScripts)} | ${fmt(n.cpuMs)} |`,
      ),
    ),
  ];
  return `${lines.join("\n")}\n`;
}

/** The issue's spread target: with 3 primaries, none carries more than about 45% of the commands. */
export function checkClusterTargets(rows: Row[]): TargetCheck[] {
  return rows
    .filter((r) => r.redis === "cluster" && r.redisNodes.length > 1)
    .map((r) => {
      const busiest = r.redisNodes.reduce((a: NodeShare, b: NodeShare) => (b.share.median > a.share.median ? b : a));
      return {
        target: `${r.system} N=${r.members} ${r.scenario} on ${r.redisNodes.length} primaries: each primary ≤ ${MAX_PRIMARY_SHARE * 100}% of the commands`,
        measured: `${(100 * busiest.share.median).toFixed(1)}% on 127.0.0.1:${busiest.port} (${(100 * busiest.shareWithoutScripts.median).toFixed(1)}% without eval/evalsha)`,
        met: busiest.share.median <= MAX_PRIMARY_SHARE,
      };
    });
}
