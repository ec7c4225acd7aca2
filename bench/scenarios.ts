import type { Workload } from "./load/protocol.ts";

/** One kind of traffic, run the same way against every system. */
export interface Scenario {
  name: string;
  /** What the table's heading says. */
  title: string;
  workload(seconds: number): Workload;
  /** Cost is reported per 1000 of these. */
  per: "message" | "delivery";
}

const DRAIN_MS = 5000;

export const SCENARIOS: Record<string, Scenario> = {
  unicast: {
    name: "unicast",
    title: "Unicast at a fixed rate: 1000 messages/s, each to one random user",
    workload: (seconds) => ({ target: "user", rate: 1000, durationMs: seconds * 1000, drainMs: DRAIN_MS }),
    per: "message",
  },
  "unicast-max": {
    name: "unicast-max",
    title: "Unicast throughput at saturation: 64 sends outstanding, each to one random user",
    workload: (seconds) => ({ target: "user", window: 64, durationMs: seconds * 1000, drainMs: DRAIN_MS }),
    per: "message",
  },
};
