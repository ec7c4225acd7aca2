import type { RedisClient } from "../redis/connect.ts";
import { Counter, collectDefaultMetrics, Gauge, Registry } from "prom-client";

/** A counter whose value is read from a running total when scraped (the total is the source of truth). */
export function totalCounter(registry: Registry, name: string, help: string, read: () => number): void {
  let reported = 0;
  new Counter({
    name,
    help,
    registers: [registry],
    collect() {
      const total = read();
      if (total > reported) this.inc(total - reported);
      reported = Math.max(reported, total);
    },
  });
}

/** The same, with one series per label value. */
export function labelledTotalCounter(registry: Registry, name: string, help: string, label: string, read: () => Iterable<[string, number]>): void {
  const reported = new Map<string, number>();
  new Counter({
    name,
    help,
    labelNames: [label],
    registers: [registry],
    collect() {
      for (const [value, total] of read()) {
        const before = reported.get(value) ?? 0;
        if (total > before) this.inc({ [label]: value }, total - before);
        reported.set(value, Math.max(before, total));
      }
    },
  });
}

/** A gauge read when scraped. */
export function readGauge(registry: Registry, name: string, help: string, read: () => number): void {
  new Gauge({
    name,
    help,
    registers: [registry],
    collect() {
      this.set(read());
    },
  });
}

/** A gauge with one series per label value, read when scraped. */
export function labelledGauge(registry: Registry, name: string, help: string, label: string, read: () => Iterable<[string, number]>): void {
  new Gauge({
    name,
    help,
    labelNames: [label],
    registers: [registry],
    collect() {
      this.reset();
      for (const [value, reading] of read()) this.set({ [label]: value }, reading);
    },
  });
}

/** A registry with Node's process metrics (CPU, memory, event-loop lag, handles, GC), prefixed. */
export function processRegistry(labels: Record<string, string>): Registry {
  const registry = new Registry();
  registry.setDefaultLabels(labels);
  collectDefaultMetrics({ register: registry, prefix: "ringcast_" });
  return registry;
}

/** Round-trip time of a PING on each Redis connection, measured when scraped (-1: not ready). */
export function redisLatency(registry: Registry, connections: { role: string; client: RedisClient }[]): void {
  new Gauge({
    name: "ringcast_redis_ping_seconds",
    help: "Round trip of a PING on the Redis connection of this role, when scraped; -1 when it is not ready",
    labelNames: ["connection"],
    registers: [registry],
    async collect() {
      await Promise.all(
        connections.map(async ({ role, client }) => {
          if (client.status !== "ready") return this.set({ connection: role }, -1);
          const started = process.hrtime.bigint();
          await client.ping().catch(() => undefined);
          this.set({ connection: role }, Number(process.hrtime.bigint() - started) / 1e9);
        }),
      );
    },
  });
}
