/**
 * A load generator process (forked by the harness, driven over IPC): connects its users with
 * socket.io-client over WebSocket, sends a workload (over the senders' sockets or REST), and
 * counts acknowledgements, deliveries and end-to-end latency (sender and receiver share this
 * process's clock).
 */
import { performance } from "node:perf_hooks";
import { io, type Socket } from "socket.io-client";
import { WebSocket } from "ws";
import type { Connection } from "../systems/system.ts";
import { closedLoop, LatencySample, openLoop, settle } from "./loops.ts";
import type { Conversation, GeneratorClass, GeneratorCommand, GeneratorReply, RunResult, WatchResult, Workload } from "./protocol.ts";
import { closeRestConnections, postMessage } from "./rest-sender.ts";

const CONNECT_BATCH = 100;
const ACK_TIMEOUT_MS = 10_000;
/** How long a reconnecting client may take to get its first connection. */
const RECONNECTING_CONNECT_MS = 30_000;

const sockets = new Map<string, Socket>();
/** Bare WebSockets (the idle floor): held open, nothing else. */
const rawSockets: WebSocket[] = [];
let classes: GeneratorClass[] = [];
let bigRoom: GeneratorClass | undefined;
let conversations: Conversation[] = [];
/** Per user: where it posts over REST, and its token. */
const restOf = new Map<string, NonNullable<Connection["rest"]>>();
/** Per user: the last message id seen; who dropped since the mark; when the probe arrived. */
const lastIds = new Map<string, string>();
const dropped = new Set<string>();
/** Probe arrivals, epoch ms (the harness's clock is the same machine's). */
const probeArrivals = new Map<string, number>();
/** Since the mark, per user: its first drop, its first attempt to reconnect and its first connection after it (epoch ms). */
const dropTimes = new Map<string, number>();
const attemptTimes = new Map<string, number>();
const returnTimes = new Map<string, number>();
/** Since the mark: connection attempts refused (e.g. a router that still had the old ring). */
let refusals = 0;

function onProbe(userId: string, message: { id?: string; body?: string }): void {
  if (message.id) lastIds.set(userId, message.id);
  if (message.body?.startsWith("probe") && !probeArrivals.has(`${userId}|${message.body}`)) {
    probeArrivals.set(`${userId}|${message.body}`, Date.now());
  }
}

/** Waits for every user's probe, then says how long each took after `since`. */
async function watch(probeBody: string, since: number, timeoutMs: number): Promise<WatchResult> {
  const users = [...sockets.keys()];
  const deadline = performance.now() + timeoutMs;
  const arrived = (): number[] => users.flatMap((u) => probeArrivals.get(`${u}|${probeBody}`) ?? []);
  while (arrived().length < users.length && performance.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  const times = arrived().map((at) => at - since);
  const after = (map: Map<string, number>): number[] => [...map.values()].map((at) => at - since);
  const missing = users
    .filter((u) => !probeArrivals.has(`${u}|${probeBody}`))
    .slice(0, 20)
    .map((u) => `${u} (${dropped.has(u) ? `dropped at ${(dropTimes.get(u) ?? since) - since} ms, ${returnTimes.has(u) ? `back at ${returnTimes.get(u)! - since} ms` : "not back"}` : "never dropped"}, connected ${sockets.get(u)?.connected}, last id ${lastIds.get(u)})`);
  return { users: users.length, disconnected: users.filter((u) => dropped.has(u)).length, reached: times.length, times, dropTimes: after(dropTimes), attemptTimes: after(attemptTimes), returnTimes: after(returnTimes), refusals, missing };
}

let counting: { delivered: number; latencies: LatencySample } | undefined;

function reply(message: GeneratorReply): void {
  process.send?.(message);
}

async function connect(users: Extract<GeneratorCommand, { type: "connect" }>["users"]): Promise<number> {
  let failed = 0;
  for (let i = 0; i < users.length; i += CONNECT_BATCH) {
    const batch = users.slice(i, i + CONNECT_BATCH).map(({ id, connection }) => {
      if (connection.rest) restOf.set(id, connection.rest);
      if (connection.raw) return connectRaw(connection.url).catch(() => void failed++);
      // Reconnecting clients resume from the last id they saw, as a ringcast app does.
      const auth = connection.reconnect ? (cb: (data: object) => void) => cb({ ...connection.auth, lastMessageId: lastIds.get(id) }) : connection.auth;
      const socket = io(connection.url, { auth, query: connection.query, transports: ["websocket"], reconnection: connection.reconnect ?? false, forceNew: true });
      socket.on("message", onMessage);
      socket.on("message", (message: { id?: string; body?: string }) => onProbe(id, message));
      socket.on("ringcast:session", (session: { lastMessageId?: string }) => {
        if (!lastIds.has(id) && session.lastMessageId) lastIds.set(id, session.lastMessageId);
      });
      socket.on("disconnect", () => {
        dropped.add(id);
        if (!dropTimes.has(id)) dropTimes.set(id, Date.now());
      });
      socket.on("connect", () => {
        if (dropTimes.has(id) && !returnTimes.has(id)) returnTimes.set(id, Date.now());
      });
      socket.on("connect_error", () => void refusals++);
      socket.io.on("reconnect_attempt", () => {
        if (dropTimes.has(id) && !attemptTimes.has(id)) attemptTimes.set(id, Date.now());
      });
      return new Promise<void>((resolve) => {
        socket.once("connect", () => {
          sockets.set(id, socket);
          resolve();
        });
        // A reconnecting client retries by itself (e.g. a refusal while a router catches up): it
        // fails only if it never gets in.
        if (!connection.reconnect)
          socket.once("connect_error", () => {
            failed++;
            resolve();
          });
        else
          setTimeout(() => {
            if (socket.connected || sockets.has(id)) return;
            failed++;
            resolve();
          }, RECONNECTING_CONNECT_MS);
      });
    });
    await Promise.all(batch);
  }
  return failed;
}

function connectRaw(url: string): Promise<void> {
  const socket = new WebSocket(url);
  rawSockets.push(socket);
  return new Promise((resolve, reject) => {
    socket.once("open", () => resolve());
    socket.once("error", reject);
  });
}

function onMessage(message: { body?: string }): void {
  const sentAt = Number(message.body);
  // Only this run's traffic carries its send time (a prefilled log's entries do not).
  if (!counting || !Number.isFinite(sentAt)) return;
  counting.delivered++;
  counting.latencies.add(performance.now() - sentAt);
}

function pick<T>(items: readonly T[]): T {
  return items[Math.floor(Math.random() * items.length)]!;
}

/** One send: who sends, what, and how many deliveries it owes. */
function nextSend(target: Workload["target"]): { from: string; request: object; deliveries: number } {
  const schoolClass = target === "room" ? bigRoom! : pick(classes);
  if (target !== "user") {
    return { from: schoolClass.teacherId, request: { to: { class: schoolClass.id } }, deliveries: schoolClass.studentIds.length };
  }
  if (conversations.length > 0) {
    const { from, to } = pick(conversations);
    return { from, request: { to: { user: to } }, deliveries: 1 };
  }
  const from = pick(schoolClass.studentIds);
  let to = pick(schoolClass.studentIds);
  while (to === from) to = pick(schoolClass.studentIds);
  return { from, request: { to: { user: to } }, deliveries: 1 };
}

/** One message from `from`: over its socket (the ack) or REST (the 201); throws when refused. */
async function sendVia(via: Workload["via"], from: string, request: object): Promise<void> {
  const payload = { ...request, body: performance.now().toFixed(3) };
  if (via === "rest") {
    const rest = restOf.get(from);
    if (!rest) throw new Error(`${from} has no REST endpoint`);
    return postMessage(rest, payload, ACK_TIMEOUT_MS);
  }
  const ack = (await sockets.get(from)!.timeout(ACK_TIMEOUT_MS).emitWithAck("message:send", payload)) as { ok: boolean };
  if (!ack.ok) throw new Error("refused");
}

async function run(workload: Workload): Promise<RunResult> {
  const totals = { sent: 0, acked: 0, failed: 0, expected: 0 };
  const acks = new LatencySample();
  const live = { delivered: 0, latencies: new LatencySample() };
  counting = live;
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  const sendOne = async (): Promise<void> => {
    const { from, request, deliveries } = nextSend(workload.target);
    totals.sent++;
    const sentAt = performance.now();
    try {
      await sendVia(workload.via, from, request);
      acks.add(performance.now() - sentAt);
      totals.acked++;
      totals.expected += deliveries;
    } catch {
      totals.failed++;
    }
  };
  if (workload.window) await closedLoop(workload.window, workload.durationMs, sendOne);
  else await openLoop(workload.rate ?? 100, workload.durationMs, sendOne);
  const sendingMs = performance.now() - started;
  await settle(() => live.delivered >= totals.expected, workload.drainMs);
  const elapsedMs = performance.now() - started;
  counting = undefined;
  const cpu = process.cpuUsage(cpuBefore);
  const latency = live.latencies.quantiles();
  const ack = acks.quantiles();
  return {
    ...totals,
    delivered: live.delivered,
    sendingMs,
    elapsedMs,
    latencyP50Ms: latency.p50,
    latencyP99Ms: latency.p99,
    ackP50Ms: ack.p50,
    ackP99Ms: ack.p99,
    generatorCpuMs: (cpu.user + cpu.system) / 1000,
  };
}

process.on("message", (command: GeneratorCommand) => {
  const handle = async (): Promise<void> => {
    if (command.type === "connect") {
      classes = command.classes;
      bigRoom = command.bigRoom;
      conversations = command.conversations;
      const failed = await connect(command.users);
      reply({ type: "connected", count: sockets.size + rawSockets.length, failed });
    } else if (command.type === "run") {
      reply({ type: "result", result: await run(command.workload) });
    } else if (command.type === "mark") {
      dropped.clear();
      dropTimes.clear();
      attemptTimes.clear();
      returnTimes.clear();
      refusals = 0;
      reply({ type: "marked" });
    } else if (command.type === "watch") {
      reply({ type: "watched", result: await watch(command.probeBody, command.since, command.timeoutMs) });
    } else {
      for (const socket of sockets.values()) socket.close();
      for (const socket of rawSockets) socket.terminate();
      closeRestConnections();
      process.exit(0);
    }
  };
  handle().catch((err: Error) => reply({ type: "error", message: err.message }));
});
