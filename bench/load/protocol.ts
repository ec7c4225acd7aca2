import type { Connection } from "../systems/system.ts";

/** What a generator process sends: a steady stream or a closed loop, for a while. */
export interface Workload {
  /** "user": a student to a classmate (one of the fixed conversations); "class": a teacher to one of its classes; "room": to the room of everyone. */
  target: "user" | "class" | "room";
  /** How a message is sent: the sender's socket (`message:send`, the default) or `POST /api/messages`. */
  via?: "socket" | "rest";
  /** Open loop: messages per second, whatever the answers. */
  rate?: number;
  /** Closed loop: sends outstanding at any time (throughput at saturation). */
  window?: number;
  durationMs: number;
  /** How long to keep counting deliveries after the last send. */
  drainMs: number;
}

/** A direct conversation: `from` writes to `to`. */
export interface Conversation {
  from: string;
  to: string;
}

export interface GeneratorClass {
  id: string;
  teacherId: string;
  studentIds: string[];
}

export type GeneratorCommand =
  | { type: "connect"; users: { id: string; connection: Connection }[]; classes: GeneratorClass[]; bigRoom: GeneratorClass; conversations: Conversation[] }
  | { type: "run"; workload: Workload }
  /** Starts a disruption's clock: drops and probe arrivals are counted from here. */
  | { type: "mark" }
  /** Waits until every user received a message with this body (or the timeout); times from `since` (epoch ms). */
  | { type: "watch"; probeBody: string; since: number; timeoutMs: number }
  | { type: "close" };

export interface RunResult {
  sent: number;
  acked: number;
  failed: number;
  /** Deliveries owed for the acknowledged sends (1 per direct message, the class size per class message). */
  expected: number;
  delivered: number;
  /** From the first send to the last answer. */
  sendingMs: number;
  /** Sending plus waiting for the last deliveries. */
  elapsedMs: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  /** From a send to its answer (the socket's ack or the HTTP response), acknowledged sends only. */
  ackP50Ms?: number;
  ackP99Ms?: number;
  /** The generator's own CPU over the run (ms): near elapsedMs means it was the bottleneck. */
  generatorCpuMs: number;
}

/** After a disruption: who dropped, and when each user had the probe (ms after the mark). */
export interface WatchResult {
  users: number;
  /** Users whose connection dropped at least once since the mark. */
  disconnected: number;
  /** Users that received the probe. */
  reached: number;
  /** For each user reached: ms from `since` to the probe's arrival. */
  times: number[];
  /** For each user that dropped: ms from `since` to its first drop, its first reconnection attempt, and its first connection after it. */
  dropTimes: number[];
  attemptTimes: number[];
  returnTimes: number[];
  /** Connection attempts that failed since the mark. */
  refusals: number;
  /** Up to 20 users without the probe, with what happened to their connection (for diagnosis). */
  missing: string[];
}

export type GeneratorReply =
  | { type: "connected"; count: number; failed: number }
  | { type: "marked" }
  | { type: "watched"; result: WatchResult }
  | { type: "result"; result: RunResult }
  | { type: "error"; message: string };
