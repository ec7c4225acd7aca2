/**
 * What Redis did over a measured window, from INFO read before and after it on every primary:
 * in all, by command, and per primary (how evenly a Redis Cluster spreads the work).
 */
import type { RedisInfo } from "./redis-info.ts";
import { type Figure, figure } from "./stats.ts";

/**
 * Calls that run a script. INFO commandstats counts the script's call and, separately, every
 * command the script ran; leaving these out counts each command run once, by a client or a script.
 */
const SCRIPT_CALLS = new Set(["eval", "evalsha", "eval_ro", "evalsha_ro", "fcall", "fcall_ro"]);

/** One primary over one window. */
export interface NodeCommands {
  port: number;
  /** Every call commandstats counted: an EVALSHA and each command its script ran count one each. */
  calls: number;
  /** The same without the script calls themselves (EVAL, EVALSHA, FCALL and their _ro forms). */
  callsWithoutScripts: number;
  /** Its redis-server's CPU over the window, ms. */
  cpuMs: number;
}

export interface WindowCommands {
  /** total_commands_processed, summed over the primaries. */
  total: number;
  byName: Record<string, number>;
  /** Microseconds by command (scripts include their inner calls). */
  usecByName: Record<string, number>;
  nodes: NodeCommands[];
}

/**
 * After minus before, per primary and summed. Each primary's count includes the INFO read before
 * the window (Redis counts a command after running it), which is the harness's, not the system's.
 */
export function commandsOver(before: Map<number, RedisInfo>, after: Map<number, RedisInfo>, cpuMsOf: (port: number) => number): WindowCommands {
  const byName: Record<string, number> = {};
  const usecByName: Record<string, number> = {};
  const nodes: NodeCommands[] = [];
  let total = 0;
  for (const [port, end] of after) {
    const start = before.get(port);
    if (!start) throw new Error(`no INFO of ${port} before the window`);
    let [calls, callsWithoutScripts] = [0, 0];
    for (const [name, count] of Object.entries(end.byCommand)) {
      const delta = count - (start.byCommand[name] ?? 0) - (name === "info" ? 1 : 0);
      if (delta <= 0) continue;
      byName[name] = (byName[name] ?? 0) + delta;
      calls += delta;
      if (!SCRIPT_CALLS.has(name)) callsWithoutScripts += delta;
    }
    for (const [name, usec] of Object.entries(end.usecByCommand)) {
      const delta = usec - (start.usecByCommand[name] ?? 0);
      if (delta > 0 && name !== "info") usecByName[name] = (usecByName[name] ?? 0) + delta;
    }
    total += end.commands - start.commands - 1;
    nodes.push({ port, calls, callsWithoutScripts, cpuMs: cpuMsOf(port) });
  }
  return { total, byName, usecByName, nodes };
}

/** One primary over the runs of a cell: medians with their range. */
export interface NodeShare {
  port: number;
  calls: Figure;
  /** Of the calls on every primary. */
  share: Figure;
  callsWithoutScripts: Figure;
  shareWithoutScripts: Figure;
  cpuMs: Figure;
}

/** Per primary, over runs measured on the same primaries (a failover mid-cell would mix them). */
export function nodeShares(runs: NodeCommands[][]): NodeShare[] {
  const ports = [...new Set(runs.flatMap((nodes) => nodes.map((n) => n.port)))];
  const over = (pick: (node: NodeCommands, all: NodeCommands[]) => number, port: number): Figure =>
    figure(runs.map((nodes) => nodes.find((n) => n.port === port)).map((node, i) => (node ? pick(node, runs[i]!) : Number.NaN)));
  const sum = (nodes: NodeCommands[], key: "calls" | "callsWithoutScripts"): number => nodes.reduce((s, n) => s + n[key], 0);
  return ports.map((port) => ({
    port,
    calls: over((n) => n.calls, port),
    share: over((n, all) => n.calls / sum(all, "calls"), port),
    callsWithoutScripts: over((n) => n.callsWithoutScripts, port),
    shareWithoutScripts: over((n, all) => n.callsWithoutScripts / sum(all, "callsWithoutScripts"), port),
    cpuMs: over((n) => n.cpuMs, port),
  }));
}
