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

/** Sent over REST (`POST /api/messages`): the table adds the request's latency. */
export const viaRest = (scenario: Scenario): boolean => scenario.workload(1).via === "rest";

const DRAIN_MS = 5000;

export const SCENARIOS: Record<string, Scenario> = {
  unicast: {
    name: "unicast",
    title: "Unicast at a fixed rate: 1000 messages/s, each on one of the direct conversations",
    workload: (seconds) => ({ target: "user", rate: 1000, durationMs: seconds * 1000, drainMs: DRAIN_MS }),
    per: "message",
  },
  class: {
    name: "class",
    title: "Class fan-out: 50 class messages/s, each to a class of 30 (1500 deliveries/s)",
    workload: (seconds) => ({ target: "class", rate: 50, durationMs: seconds * 1000, drainMs: DRAIN_MS }),
    per: "delivery",
  },
  "big-room": {
    name: "big-room",
    title: "Big room: 2 messages/s to one room holding every student",
    workload: (seconds) => ({ target: "room", rate: 2, durationMs: seconds * 1000, drainMs: DRAIN_MS }),
    per: "delivery",
  },
  "unicast-max": {
    name: "unicast-max",
    title: "Unicast throughput at saturation: 64 sends outstanding, each on one of the direct conversations",
    workload: (seconds) => ({ target: "user", window: 64, durationMs: seconds * 1000, drainMs: DRAIN_MS }),
    per: "message",
  },
  "class-max": {
    name: "class-max",
    title: "Class fan-out at saturation: 8 class messages outstanding over the teachers' sockets, each to a class of 30",
    workload: (seconds) => ({ target: "class", window: 8, durationMs: seconds * 1000, drainMs: DRAIN_MS }),
    per: "delivery",
  },
  rest: {
    name: "rest",
    title: "REST class messages at a fixed rate: teachers POST /api/messages, 50 class messages/s to classes of 30 (1500 deliveries/s)",
    workload: (seconds) => ({ target: "class", via: "rest", rate: 50, durationMs: seconds * 1000, drainMs: DRAIN_MS }),
    per: "delivery",
  },
  "rest-max": {
    name: "rest-max",
    title: "REST class messages at saturation: 8 POST /api/messages in flight, each to a class of 30",
    workload: (seconds) => ({ target: "class", via: "rest", window: 8, durationMs: seconds * 1000, drainMs: DRAIN_MS }),
    per: "delivery",
  },
};

/**
 * What `npm run bench` runs unless told otherwise: the throughput scenarios at every N, then idle
 * connections, rebalance and failover (unicast-max, class-max and rest-max on request: they saturate the machine).
 */
export const DEFAULT_SCENARIOS = ["unicast", "class", "rest", "big-room", "idle", "rebalance-moved", "rebalance-all", "failover"];
