/**
 * `npm run bench:heap [-- --connections 2000 --systems vanilla,ringcast-hash-durable]`: what each
 * idle connection keeps on the heap, by kind of object, per system: one member, a heap snapshot
 * before and after the clients connect (each after a full GC), the growth divided by the clients.
 * Prints a markdown table (bytes per connection); the snapshots are removed (--keep-snapshots keeps them).
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseCli } from "../server/cli/cli-args.ts";
import { Redis } from "ioredis";
import { startLocalRedis } from "../server/cli/local-redis.ts";
import { buildLargeSchool } from "../test/support/redis.ts";
import { IDLE_SYSTEMS, type IdleSystem, startIdleSystem } from "./idle-run.ts";
import { GeneratorProcess } from "./load/generator-process.ts";
import { growthPerConnection, type HeapGrowth, tallyHeap } from "./measure/heap-snapshot.ts";

const PROBE = fileURLToPath(new URL("./systems/heap-snapshot-probe.mjs", import.meta.url));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const { values } = parseCli({
  usage: "npm run bench:heap -- [options]",
  summary: "What each idle connection keeps on the heap, by kind of object, per system (heap snapshots before and after the clients connect).",
  options: {
    connections: { type: "string", default: "2000", help: "idle clients (100-20000)" },
    systems: { type: "string", default: "vanilla,ringcast-hash-durable", help: `comma-separated: ${IDLE_SYSTEMS.join(", ")}` },
    "keep-snapshots": { type: "boolean", help: "keep the heap snapshots (hundreds of MB) instead of removing them" },
  },
});
const connections = Math.min(20_000, Math.max(100, Number(values.connections)));
const systems = values.systems.split(",").filter((s): s is IdleSystem => (IDLE_SYSTEMS as readonly string[]).includes(s));

const redis = await startLocalRedis();
const admin = new Redis(redis.url);
const school = buildLargeSchool(Math.ceil(connections / 30));
const users = school.users.filter((u) => u.role === "student").slice(0, connections).map((u) => u.id);
const root = mkdtempSync(join(tmpdir(), "ringcast-heap-"));
const growth = new Map<IdleSystem, HeapGrowth[]>();
try {
  for (const system of systems) growth.set(system, await measure(system));
} finally {
  admin.disconnect();
  await redis.stop();
  if (!values["keep-snapshots"]) rmSync(root, { recursive: true, force: true });
}
console.log(table(growth));
if (values["keep-snapshots"]) console.log(`\nsnapshots: ${root}`);

async function measure(system: IdleSystem): Promise<HeapGrowth[]> {
  await admin.flushall();
  const dir = join(root, system.replace(/\W/g, ""));
  mkdirSync(dir);
  const member = await startIdleSystem(system, { members: 1, redisUrl: redis.url, prefix: "heap", school, env: { NODE_OPTIONS: `--import=${PROBE}`, BENCH_HEAP_DIR: dir } });
  const generator = GeneratorProcess.start();
  try {
    await sleep(1000);
    await snapshot(member.pids[0]!, dir, 0);
    await generator.connect(users.map((id) => ({ id, connection: member.connection(id) })), { regular: [], bigRoom: school.classes[0]! });
    await sleep(2000);
    await snapshot(member.pids[0]!, dir, 1);
  } finally {
    await generator.close();
    await member.stop();
  }
  return growthPerConnection(tallyHeap(join(dir, "0.heapsnapshot")), tallyHeap(join(dir, "1.heapsnapshot")), connections);
}

async function snapshot(pid: number, dir: string, n: number): Promise<void> {
  process.kill(pid, "SIGUSR2");
  const deadline = Date.now() + 60_000;
  while (!existsSync(join(dir, `${n}.done`))) {
    if (Date.now() > deadline) throw new Error(`no heap snapshot from ${pid}`);
    await sleep(200);
  }
}

function table(bySystem: Map<IdleSystem, HeapGrowth[]>): string {
  const names = [...bySystem.keys()];
  const kinds = [...new Set([...bySystem.values()].flatMap((rows) => rows.slice(0, 20).map((r) => r.kind)))];
  const cell = (system: IdleSystem, kind: string): string => {
    const row = bySystem.get(system)!.find((r) => r.kind === kind);
    return row ? `${Math.round(row.bytesPerConnection)} (${row.countPerConnection.toFixed(1)})` : "0";
  };
  const total = (system: IdleSystem): string => `${Math.round(bySystem.get(system)!.reduce((sum, r) => sum + r.bytesPerConnection, 0))}`;
  return [
    `Heap growth per idle connection (${connections} clients), bytes (objects) per connection, by kind:`,
    "",
    `| kind | ${names.join(" | ")} |`,
    `| --- | ${names.map(() => "---").join(" | ")} |`,
    `| **total** | ${names.map(total).join(" | ")} |`,
    ...kinds.map((kind) => `| ${kind} | ${names.map((s) => cell(s, kind)).join(" | ")} |`),
  ].join("\n");
}
