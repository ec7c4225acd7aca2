import { readFileSync } from "node:fs";

/** The parts of a V8 .heapsnapshot this summary reads. */
interface HeapSnapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]] } };
  nodes: number[];
  strings: string[];
}

/** Live objects of one kind: V8's node type and constructor name ("object:Socket", "closure:onclose", …). */
export type HeapTally = Map<string, { bytes: number; count: number }>;

/** Self size and count per kind of object. Strings, compiled code and V8's hidden objects are one kind each. */
export function tallyHeap(path: string): HeapTally {
  const snapshot = JSON.parse(readFileSync(path, "utf8")) as HeapSnapshot;
  const fields = snapshot.snapshot.meta.node_fields;
  const types = snapshot.snapshot.meta.node_types[0];
  const width = fields.length;
  const [typeAt, nameAt, sizeAt] = [fields.indexOf("type"), fields.indexOf("name"), fields.indexOf("self_size")];
  const tally: HeapTally = new Map();
  for (let i = 0; i < snapshot.nodes.length; i += width) {
    const type = types[snapshot.nodes[i + typeAt]!]!;
    const kind = /string/.test(type) ? "string" : type === "code" || type === "hidden" ? type : `${type}:${snapshot.strings[snapshot.nodes[i + nameAt]!]!.slice(0, 60)}`;
    const entry = tally.get(kind) ?? { bytes: 0, count: 0 };
    entry.bytes += snapshot.nodes[i + sizeAt]!;
    entry.count++;
    tally.set(kind, entry);
  }
  return tally;
}

export interface HeapGrowth {
  kind: string;
  bytesPerConnection: number;
  countPerConnection: number;
}

/** What grew between two tallies, per connection, largest first. */
export function growthPerConnection(before: HeapTally, after: HeapTally, connections: number): HeapGrowth[] {
  return [...after.entries()]
    .map(([kind, { bytes, count }]) => ({
      kind,
      bytesPerConnection: (bytes - (before.get(kind)?.bytes ?? 0)) / connections,
      countPerConnection: (count - (before.get(kind)?.count ?? 0)) / connections,
    }))
    .sort((a, b) => b.bytesPerConnection - a.bytesPerConnection);
}
