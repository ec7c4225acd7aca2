import { readFileSync } from "node:fs";

/** The parts of a V8 .cpuprofile (node --cpu-prof) this summary reads. */
interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; hitCount?: number }[];
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

function shortUrl(url: string): string {
  const modules = url.lastIndexOf("node_modules/");
  if (modules >= 0) return url.slice(modules + "node_modules/".length);
  const project = url.search(/\/(server|bench|client)\//);
  return project >= 0 ? url.slice(project + 1) : url.replace(/^node:/, "node:");
}
