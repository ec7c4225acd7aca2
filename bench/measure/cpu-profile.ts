import { readFileSync } from "node:fs";

/** The parts of a V8 .cpuprofile (node --cpu-prof) this summary reads. */
interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; hitCount?: number; children?: number[] }[];
  samples: number[];
  timeDeltas: number[];
}

export interface HotSpot {
  /** function (file:line), the file relative to the project or node_modules package. */
  where: string;
  /** Share of all samples spent in this function itself. */
  selfShare: number;
}

/** The functions with the most self time in a .cpuprofile, merged by function and file. */
export function hotSpots(path: string, top = 15): HotSpot[] {
  const profile = JSON.parse(readFileSync(path, "utf8")) as CpuProfile;
  const byNode = new Map<number, number>();
  for (const id of profile.samples) byNode.set(id, (byNode.get(id) ?? 0) + 1);
  const byPlace = new Map<string, number>();
  for (const node of profile.nodes) {
    const hits = byNode.get(node.id) ?? 0;
    if (hits === 0) continue;
    const { functionName, url, lineNumber } = node.callFrame;
    const where = `${functionName || "(anonymous)"} ${shortUrl(url)}${url ? `:${lineNumber + 1}` : ""}`;
    byPlace.set(where, (byPlace.get(where) ?? 0) + hits);
  }
  const total = profile.samples.length || 1;
  return [...byPlace.entries()]
    .map(([where, hits]) => ({ where, selfShare: hits / total }))
    .sort((a, b) => b.selfShare - a.selfShare)
    .slice(0, top);
}

export interface InclusiveSpot {
  where: string;
  /** Share of the busy samples (idle left out) with this function on the stack. */
  busyShare: number;
  /** The time of those samples, ms. */
  ms: number;
}

/**
 * Time on the stack (the function and everything it called) per function, as a share of the busy
 * time of the profiles together (e.g. every member of one system), for the functions whose place
 * matches `filter`; and the busy share of all samples.
 */
export function inclusiveSpots(paths: string[], filter: RegExp, top = 25): { busy: number; busyMs: number; spots: InclusiveSpot[] } {
  const counts = new Map<string, { hits: number; ms: number }>();
  let [busy, samples, busyMs] = [0, 0, 0];
  for (const path of paths) {
    const profile = JSON.parse(readFileSync(path, "utf8")) as CpuProfile;
    const parent = new Map<number, number>();
    for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
    const byId = new Map(profile.nodes.map((n) => [n.id, n]));
    const placeOf = (id: number): string => {
      const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
      return `${functionName || "(anonymous)"} ${shortUrl(url)}${url ? `:${lineNumber + 1}` : ""}`;
    };
    samples += profile.samples.length;
    // A sample stands for the profile's usual interval: a delta can also span a pause of the profiler.
    const ms = median(profile.timeDeltas) / 1000;
    profile.samples.forEach((sample) => {
      if (byId.get(sample)?.callFrame.functionName === "(idle)") return;
      busy++;
      busyMs += ms;
      const seen = new Set<string>(); // a recursive function counts once per sample
      for (let id: number | undefined = sample; id !== undefined; id = parent.get(id)) seen.add(placeOf(id));
      for (const place of seen) {
        const entry = counts.get(place) ?? { hits: 0, ms: 0 };
        entry.hits++;
        entry.ms += ms;
        counts.set(place, entry);
      }
    });
  }
  const spots = [...counts.entries()]
    .filter(([where]) => filter.test(where))
    .map(([where, { hits, ms }]) => ({ where, busyShare: hits / (busy || 1), ms }))
    .sort((a, b) => b.busyShare - a.busyShare)
    .slice(0, top);
  return { busy: busy / (samples || 1), busyMs, spots };
}

function median(values: number[]): number {
  const sorted = [...values].sort((x, y) => x - y);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

function shortUrl(url: string): string {
  const modules = url.lastIndexOf("node_modules/");
  if (modules >= 0) return url.slice(modules + "node_modules/".length);
  const project = url.search(/\/(server|bench|client)\//);
  return project >= 0 ? url.slice(project + 1) : url.replace(/^node:/, "node:");
}
