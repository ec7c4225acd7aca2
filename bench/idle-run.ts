import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Redis } from "ioredis";
import { startLocalRedis } from "../server/cli/local-redis.ts";
import { spawnReady } from "../test/support/processes.ts";
import { buildLargeSchool } from "../test/support/redis.ts";
import { GeneratorProcess } from "./load/generator-process.ts";
import { type Figure, figure } from "./measure/stats.ts";
import { startAdapterSystem } from "./systems/adapter-system.ts";
import { startRingcast } from "./systems/ringcast.ts";
import type { SystemOptions, SystemUnderTest } from "./systems/system.ts";

export const IDLE_SYSTEMS = ["ws (floor)", "vanilla", "ringcast-broadcast-durable", "ringcast-hash-durable"] as const;
export type IdleSystem = (typeof IDLE_SYSTEMS)[number];

export interface IdleRow {
  system: IdleSystem;
  connections: number;
  rssKbPerConnection: Figure;
  heapKbPerConnection: Figure;
}

const PROBE = fileURLToPath(new URL("./systems/memory-probe.mjs", import.meta.url));
const WS_MEMBER = fileURLToPath(new URL("./systems/ws-member.ts", import.meta.url));
const GENERATORS = 2;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Idle connections: one member, `connections` WebSocket clients that only stay connected.
 * Memory per connection = (after − before) / connections, both read after a full GC.
 */
export async function runIdle(options: { connections: number; runs: number; log: (line: string) => void }): Promise<IdleRow[]> {
  const redis = await startLocalRedis();
  const admin = new Redis(redis.url);
  const school = buildLargeSchool(Math.ceil(options.connections / 30));
  const users = school.users.filter((u) => u.role === "student").slice(0, options.connections).map((u) => u.id);
  const probeDir = mkdtempSync(join(tmpdir(), "ringcast-probe-"));
  const rows: IdleRow[] = [];
  try {
    for (const system of IDLE_SYSTEMS) {
      const samples: { rss: number; heap: number }[] = [];
      for (let run = 1; run <= options.runs; run++) {
        await admin.flushall();
        const probeFile = join(probeDir, `${system.replace(/\W/g, "")}-${run}.json`);
        const env = { NODE_OPTIONS: `--import=${PROBE}`, BENCH_PROBE_FILE: probeFile };
        const member = await startIdleSystem(system, { members: 1, redisUrl: redis.url, prefix: "idle", school, env });
        const generators = Array.from({ length: GENERATORS }, () => GeneratorProcess.start());
        try {
          await sleep(1000);
          const before = await probe(member.pids[0]!, probeFile);
          const share = Math.ceil(users.length / GENERATORS);
          const connected = await Promise.all(
            generators.map((g, i) =>
              g.connect(users.slice(i * share, (i + 1) * share).map((id) => ({ id, connection: member.connection(id) })), { regular: [], bigRoom: school.classes[0]! }),
            ),
          );
          const count = connected.reduce((sum, c) => sum + c.count, 0);
          if (count !== users.length) throw new Error(`${system}: ${count} of ${users.length} connected`);
          await sleep(2000);
          const after = await probe(member.pids[0]!, probeFile);
          samples.push({ rss: (after.rss - before.rss) / 1024 / count, heap: (after.heapUsed - before.heapUsed) / 1024 / count });
          options.log(`  idle ${system} run ${run}: ${samples.at(-1)!.rss.toFixed(1)} KB RSS, ${samples.at(-1)!.heap.toFixed(1)} KB heap per connection`);
        } finally {
          await Promise.all(generators.map((g) => g.close()));
          await member.stop();
        }
      }
      rows.push({
        system,
        connections: users.length,
        rssKbPerConnection: figure(samples.map((s) => s.rss)),
        heapKbPerConnection: figure(samples.map((s) => s.heap)),
      });
    }
  } finally {
    rmSync(probeDir, { recursive: true, force: true });
    admin.disconnect();
    await redis.stop();
  }
  return rows;
}

export function startIdleSystem(system: IdleSystem, options: SystemOptions): Promise<SystemUnderTest> {
  if (system === "vanilla") return startAdapterSystem(options, "classic");
  if (system === "ringcast-broadcast-durable") return startRingcast(options, { mode: "broadcast" });
  if (system === "ringcast-hash-durable") return startRingcast(options, { mode: "hash" });
  return startWsFloor(options);
}

async function startWsFloor(options: SystemOptions): Promise<SystemUnderTest> {
  const member = await spawnReady(WS_MEMBER, "bench member ready", "ws", options.env ?? {});
  return {
    kind: "vanilla",
    pids: [member.child.pid!],
    connection: () => ({ url: `ws://127.0.0.1:${member.port}`, raw: true, auth: {} }),
    stop: () => member.stop(),
  };
}

/** Asks the member's probe for its memory after a full GC. */
async function probe(pid: number, file: string): Promise<{ rss: number; heapUsed: number }> {
  rmSync(file, { force: true });
  process.kill(pid, "SIGUSR2");
  for (let waited = 0; waited < 10_000; waited += 50) {
    if (existsSync(file)) {
      try {
        return JSON.parse(readFileSync(file, "utf8")) as { rss: number; heapUsed: number };
      } catch {
        // written half-way: read again
      }
    }
    await sleep(50);
  }
  throw new Error(`no memory reading from process ${pid}`);
}
