import { availableParallelism, cpus } from "node:os";
import type { Measurement } from "./bench-run.ts";
import type { DisruptionRow } from "./disruption-run.ts";
import type { IdleRow } from "./idle-run.ts";
import { type NodeShare, nodeShares } from "./measure/redis-commands.ts";
import { type Figure, figure } from "./measure/stats.ts";
import { type PrefillSummary, prefillText } from "./prefill.ts";
import type { Topology } from "./redis-backend.ts";
import { type Scenario, viaRest } from "./scenarios.ts";
import { isDurable, type SystemKind } from "./systems/system.ts";

/** Medians (with ranges) of one system in one scenario at one N. */
export interface Row {
  scenario: string;
  members: number;
  system: SystemKind;
  /** The Redis it ran against. */
  redis: Topology;
  /** Acknowledged sends per second of sending. */
  messagesPerSecond: Figure;
  deliveredPerSecond: Figure;
  latencyP50Ms: Figure;
  latencyP99Ms: Figure;
  /** From a send to its answer (socket ack, or the REST response). */
  ackP50Ms: Figure;
  ackP99Ms: Figure;
  cpuMsPer1000: Figure;
  /** The redis-server part of cpuMsPer1000. */
  redisCpuMsPer1000: Figure;
  /** Redis CPU and commands, per message sent (acknowledged) and per delivery. */
  redisCpuMsPer1000Messages: Figure;
  redisCpuMsPer1000Deliveries: Figure;
  redisCommandsPerMessage: Figure;
  redisCommandsPerDelivery: Figure;
  /** Each primary's calls and share of them (INFO commandstats; one primary on a single Redis). */
  redisNodes: NodeShare[];
  /**
   * What else the machine did over a run: CPU of processes other than the system, Redis and the
   * load generator (other tests, the harness), and time the hypervisor stole, ms. NaN if unread.
   */
  otherCpuMs: Figure;
  stealMs: Figure;
  /** The logs as they were before the system was measured (durable systems with --prefill). */
  prefill?: PrefillSummary;
  /** Deliveries that arrived, over those owed, summed over the runs. */
  deliveredShare: number;
  /** True when a run's load generator used most of a core or fell behind its rate. */
  generatorBound: boolean;
}

/** A generator above this share of one core was the bottleneck, not the system under test. */
const GENERATOR_BUSY = 0.85;

export function buildRows(measurements: Measurement[], scenarios: Scenario[]): Row[] {
  const groups = new Map<string, Measurement[]>();
  for (const m of measurements) {
    const key = `${m.scenario}|${m.members}|${m.system}|${m.redis ?? "single"}`;
    groups.set(key, [...(groups.get(key) ?? []), m]);
  }
  return [...groups.values()].map((runs) => {
    const scenario = scenarios.find((s) => s.name === runs[0]!.scenario)!;
    const per = (m: Measurement): number => (scenario.per === "message" ? m.result.acked : m.result.delivered);
    const owed = runs.reduce((sum, m) => sum + m.result.expected, 0);
    return {
      scenario: scenario.name,
      members: runs[0]!.members,
      system: runs[0]!.system,
      redis: runs[0]!.redis ?? "single",
      messagesPerSecond: figure(runs.map((m) => (m.result.acked * 1000) / m.result.sendingMs)),
      deliveredPerSecond: figure(runs.map((m) => (m.result.delivered * 1000) / m.result.elapsedMs)),
      latencyP50Ms: figure(runs.map((m) => m.result.latencyP50Ms)),
      latencyP99Ms: figure(runs.map((m) => m.result.latencyP99Ms)),
      ackP50Ms: figure(runs.map((m) => m.result.ackP50Ms ?? Number.NaN)),
      ackP99Ms: figure(runs.map((m) => m.result.ackP99Ms ?? Number.NaN)),
      cpuMsPer1000: figure(runs.map((m) => (m.clusterCpuMs * 1000) / per(m))),
      redisCpuMsPer1000: figure(runs.map((m) => (m.redisCpuMs * 1000) / per(m))),
      redisCpuMsPer1000Messages: figure(runs.map((m) => (m.redisCpuMs * 1000) / m.result.acked)),
      redisCpuMsPer1000Deliveries: figure(runs.map((m) => (m.redisCpuMs * 1000) / m.result.delivered)),
      redisCommandsPerMessage: figure(runs.map((m) => m.redisCommands / m.result.acked)),
      redisCommandsPerDelivery: figure(runs.map((m) => m.redisCommands / m.result.delivered)),
      redisNodes: nodeShares(runs.map((m) => m.redisNodes ?? [])),
      otherCpuMs: figure(runs.map((m) => (m.machineCpuMs ? m.machineCpuMs.busy - m.clusterCpuMs - m.result.generatorCpuMs : Number.NaN))),
      stealMs: figure(runs.map((m) => m.machineCpuMs?.steal ?? Number.NaN)),
      prefill: runs[0]!.prefill,
      deliveredShare: owed === 0 ? 0 : runs.reduce((sum, m) => sum + m.result.delivered, 0) / owed,
      generatorBound: runs.some((m) => generatorBound(m, scenario)),
    };
  });
}

function generatorBound(m: Measurement, scenario: Scenario): boolean {
  const workload = scenario.workload(1);
  const busy = m.result.generatorCpuMs / m.result.elapsedMs > GENERATOR_BUSY;
  // An open loop that could not send at its rate was held back by the generator.
  const behind = workload.rate !== undefined && m.result.sent < 0.95 * workload.rate * (m.result.sendingMs / 1000);
  return busy || behind;
}

const fmt = (f: Figure, digits = 0): string =>
  Number.isNaN(f.median) ? "–" : `${f.median.toFixed(digits)} (${f.min.toFixed(digits)}–${f.max.toFixed(digits)})`;

function ratio(value: Figure, baseline: Figure | undefined): string {
  if (!baseline || !Number.isFinite(baseline.median) || baseline.median === 0) return "–";
  return `${(value.median / baseline.median).toFixed(2)}×`;
}

/** One markdown table per scenario and N; ratios against vanilla classic of the same table. */
export function markdown(rows: Row[], scenarios: Scenario[], meta: { runs: number; seconds: number }): string {
  const lines = [
    `# ringcast benchmark`,
    "",
    `${new Date().toISOString().slice(0, 19)}Z, ${availableParallelism()} cores (${cpus()[0]?.model ?? "unknown CPU"}), Node ${process.version}. ` +
      `Each figure: median of ${meta.runs} runs of ${meta.seconds} s (range in brackets), after discarded warm-ups (each system at saturation for 3 s + 1 s per member, then 2 s of each scenario). ` +
      `CPU: all member processes (and the gateway of a -gateway system) plus redis-server, from /proc; Redis CPU and commands per message sent and per delivery. Ratios: against vanilla (socket.io + @socket.io/redis-adapter classic) in the same run. ` +
      `Answer: from a send to its socket ack, or to the REST response.`,
    ...prefillNote(rows),
  ];
  for (const scenario of scenarios) {
    for (const members of [...new Set(rows.filter((r) => r.scenario === scenario.name).map((r) => r.members))]) {
      lines.push("", `## ${scenario.title} (N = ${members})`, "", ...scenarioTable(rows.filter((r) => r.scenario === scenario.name && r.members === members), scenario));
    }
  }
  return `${lines.join("\n")}\n`;
}

function scenarioTable(table: Row[], scenario: Scenario): string[] {
  const base = table.find((r) => r.system === "vanilla" && r.redis === "single");
  const lines = [
    `| system | messages/s | delivered/s | × vanilla | p50 ms | p99 ms | ${viaRest(scenario) ? "REST" : "ack"} p50 / p99 ms | CPU-ms per 1000 ${scenario.per === "delivery" ? "deliveries" : "messages"} | × vanilla | ` +
      "Redis CPU-ms per 1000 messages | Redis CPU-ms per 1000 deliveries | Redis commands per message | Redis commands per delivery | delivered | note |",
    "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
  ];
  for (const r of table) {
    const notes = [r.generatorBound ? "load generator was the bottleneck" : "", !isDurable(r.system) ? "" : r.prefill ? `logs prefilled to ${r.prefill.maxLength}` : "logs empty (no prefill)"];
    const answer = Number.isNaN(r.ackP50Ms.median) ? "–" : `${r.ackP50Ms.median.toFixed(1)} / ${r.ackP99Ms.median.toFixed(1)}`;
    lines.push(
      `| ${systemLabel(r)} | ${fmt(r.messagesPerSecond)} | ${fmt(r.deliveredPerSecond)} | ${ratio(r.deliveredPerSecond, base?.deliveredPerSecond)} | ${fmt(r.latencyP50Ms, 1)} | ${fmt(r.latencyP99Ms, 1)} | ${answer} | ` +
        `${fmt(r.cpuMsPer1000)} | ${ratio(r.cpuMsPer1000, base?.cpuMsPer1000)} | ${fmt(r.redisCpuMsPer1000Messages, 1)} | ${fmt(r.redisCpuMsPer1000Deliveries, 1)} | ` +
        `${fmt(r.redisCommandsPerMessage, 1)} | ${fmt(r.redisCommandsPerDelivery, 2)} | ${(r.deliveredShare * 100).toFixed(1)}% | ${notes.filter(Boolean).join("; ")} |`,
    );
  }
  return lines;
}

/** The system, and the Redis it ran on unless that was one redis-server. */
export const systemLabel = (r: Row): string => (r.redis === "single" ? r.system : `${r.system} (Redis ${r.redis})`);

/** What the durable systems' logs held before they were measured, once per system and N. */
function prefillNote(rows: Row[]): string[] {
  const filled = new Map<string, PrefillSummary>();
  for (const r of rows) if (r.prefill) filled.set(`${systemLabel(r)} N=${r.members}`, r.prefill);
  const durable = rows.some((r) => isDurable(r.system));
  if (!durable) return [];
  if (filled.size === 0) return ["", "Durable systems started from empty logs (prefill off)."];
  return [
    "",
    "Durable systems ran with their logs prefilled (rows say \"logs prefilled\"): after the school was seeded and before any client connected, every class log and the log of every direct conversation the unicast scenarios use were filled to the members' retention cap through the product's own store, so each append trims as in a school that has run for a while:",
    "",
    ...[...filled].map(([cell, summary]) => `- ${cell}: ${prefillText(summary)}`),
  ];
}

/** The idle-connections table: memory per connection, ratios against vanilla socket.io. */
export function idleMarkdown(rows: IdleRow[]): string {
  const base = rows.find((r) => r.system === "vanilla");
  const lines = [
    "",
    `## Idle connections: ${rows[0]?.connections ?? 0} WebSocket clients on one member`,
    "",
    "| system | RSS KB per connection | × vanilla | heap KB per connection | × vanilla |",
    "| --- | --- | --- | --- | --- |",
    ...rows.map(
      (r) =>
        `| ${r.system} | ${fmt(r.rssKbPerConnection, 1)} | ${ratio(r.rssKbPerConnection, base?.rssKbPerConnection)} | ${fmt(r.heapKbPerConnection, 1)} | ${ratio(r.heapKbPerConnection, base?.heapKbPerConnection)} |`,
    ),
  ];
  return `${lines.join("\n")}\n`;
}

/** Rebalance and failover: who dropped against who had to move, and when everyone had the probe. */
export function disruptionMarkdown(rows: DisruptionRow[]): string {
  const ms = (v: number): string => (Number.isFinite(v) ? String(Math.round(v)) : "–");
  const lines = [
    "",
    `## Rebalance and failover: ${rows[0]?.users ?? 0} users on 4 hash-mode members behind two gateways`,
    "",
    "rebalance: a 5th member joins; failover: one of the 4 is killed (-9). Then every class gets a probe message; times are from the join (new member ready) or the kill.",
    "",
    "| scenario | users affected | users disconnected | disconnected ÷ affected | probe reached | probe p50 ms | p99 ms | all reached, ms |",
    "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ...rows.map(
      (r) =>
        `| ${r.scenario} | ${r.affected} | ${r.disconnected} | ${r.affected ? (r.disconnected / r.affected).toFixed(2) : "–"} | ${r.reached}/${r.users} | ${ms(r.probeP50Ms)} | ${ms(r.probeP99Ms)} | ${r.reached === r.users ? ms(r.probeMaxMs) : "not all"} |`,
    ),
    "",
    "Timeline of the users that dropped (ms from the same start): when their connection closed, when their client first tried to reconnect (its backoff), when they were connected again, and how many connection attempts were refused on the way; and when the probes (a durable class message to each class: 30 log appends each) were accepted.",
    "",
    "Then the CPU every role used over that time (CPU-ms; the window has 2 cores' worth of it): member processes, gateways, the load generators' clients, Redis.",
    "",
    "| scenario | dropped p50 | dropped last | first retry p50 | first retry last | back p50 | back last | refused attempts | probes accepted p50 | probes accepted last | window ms | CPU members | gateways | clients | Redis | busy share of 2 cores |",
    "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ...rows.map((r) => {
      const cpu = r.cpuMs;
      const total = cpu ? cpu.members + cpu.gateways + cpu.clients + cpu.redis : Number.NaN;
      const cells = cpu ? [cpu.members, cpu.gateways, cpu.clients, cpu.redis].map(ms).join(" | ") : "– | – | – | –";
      const busy = r.windowMs ? `${Math.round((100 * total) / (2 * r.windowMs))}%` : "–";
      return `| ${r.scenario} | ${ms(r.dropP50Ms)} | ${ms(r.dropMaxMs)} | ${ms(r.attemptP50Ms)} | ${ms(r.attemptMaxMs)} | ${ms(r.returnP50Ms)} | ${ms(r.returnMaxMs)} | ${r.refusals ?? "–"} | ${ms(r.probesAcceptedP50Ms)} | ${ms(r.probesAcceptedLastMs)} | ${ms(r.windowMs)} | ${cells} | ${busy} |`;
    }),
  ];
  return `${lines.join("\n")}\n`;
}
