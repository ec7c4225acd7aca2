import { RestError, type RingcastRest, type SendRequest } from "../../client/rest.ts";
import type { FleetUser } from "../support/fleet.ts";

export interface SchoolClass {
  id: string;
  teacherId: string;
  studentIds: string[];
}

/**
 * An acknowledged send, known by its body (unique per send): a class message has one id per log
 * group on a Redis Cluster, so the id the sender got is not the one every recipient sees.
 */
export interface Acknowledged {
  body: string;
  recipients: string[];
}

/** Socket sends wait this long for the ack; no ack means not acknowledged. */
const ACK_TIMEOUT_MS = 5000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * A steady stream at a fixed rate: teachers' direct and class messages through the REST API,
 * and students' direct messages to classmates over their sockets (acknowledged by the server).
 */
export class ChaosTraffic {
  readonly acknowledged: Acknowledged[] = [];
  /** When each send started (epoch ms) and whether it was acknowledged. */
  readonly outcomes: { startedAt: number; ok: boolean }[] = [];
  sent = 0;
  refused = 0;
  /** Refusals whose error named a Redis Cluster redirection or slot error (never a user's business). */
  readonly clusterErrors: string[] = [];
  private readonly sockets = new Map<string, FleetUser>();

  constructor(
    private readonly api: RingcastRest,
    private readonly classes: SchoolClass[],
    private readonly teacherTokens: Map<string, string>,
    fleet: FleetUser[],
  ) {
    for (const user of fleet) this.sockets.set(user.id, user);
  }

  /** Sends until `stopAt` (epoch ms); sends do not wait for each other, so a slow one does not stall the stream. */
  async run(stopAt: number, rate: number): Promise<void> {
    const pending: Promise<void>[] = [];
    const interval = 1000 / rate;
    while (Date.now() < stopAt) {
      pending.push(this.sendOne());
      await sleep(interval);
    }
    await Promise.all(pending);
  }

  private async sendOne(): Promise<void> {
    const schoolClass = this.classes[Math.floor(Math.random() * this.classes.length)]!;
    const [student, classmate] = twoOf(schoolClass.studentIds);
    const n = this.sent++;
    const roll = Math.random();
    if (roll < 0.25) return this.viaRest(schoolClass.teacherId, { to: { class: schoolClass.id }, body: `class ${n}` }, schoolClass.studentIds);
    if (roll < 0.6) return this.viaRest(schoolClass.teacherId, { to: { user: student }, body: `direct ${n}` }, [student]);
    return this.viaSocket(classmate, { to: { user: student }, body: `peer ${n}` });
  }

  private async viaRest(teacherId: string, request: SendRequest, recipients: string[]): Promise<void> {
    const outcome = this.started();
    try {
      await this.api.send(this.teacherTokens.get(teacherId)!, request);
      this.acknowledged.push({ body: request.body, recipients });
      outcome.ok = true;
    } catch (err) {
      if (!(err instanceof RestError || err instanceof TypeError)) throw err;
      this.refused++; // 503 or unreachable: not acknowledged
      this.noteClusterError(err.message);
    }
  }

  private noteClusterError(text: string): void {
    if (CLUSTER_ERROR.test(text)) this.clusterErrors.push(text);
  }

  private started(): { startedAt: number; ok: boolean } {
    const outcome = { startedAt: Date.now(), ok: false };
    this.outcomes.push(outcome);
    return outcome;
  }

  private async viaSocket(senderId: string, request: { to: { user: string }; body: string }): Promise<void> {
    const sender = this.sockets.get(senderId)!;
    const outcome = this.started();
    try {
      const ack = (await sender.socket.timeout(ACK_TIMEOUT_MS).emitWithAck("message:send", request)) as { ok: boolean; id?: string };
      if (ack.ok && ack.id) {
        this.acknowledged.push({ body: request.body, recipients: [request.to.user] });
        outcome.ok = true;
      } else {
        this.refused++;
        this.noteClusterError(JSON.stringify(ack));
      }
    } catch {
      this.refused++; // no ack in time: the sender does not know, so it is not counted as acknowledged
    }
  }
}

/** A Redis Cluster error that should have been handled inside ringcast (ioredis follows MOVED and ASK). */
export const CLUSTER_ERROR = /CROSSSLOT|\bMOVED\b|\bASK\b/;

/** Milliseconds from `since` until the first send started after it that was acknowledged. */
export function acceptedAgainAfter(outcomes: { startedAt: number; ok: boolean }[], since: number): number | undefined {
  const first = outcomes.filter((o) => o.ok && o.startedAt >= since).sort((a, b) => a.startedAt - b.startedAt)[0];
  return first ? first.startedAt - since : undefined;
}

function twoOf(ids: string[]): [string, string] {
  const a = Math.floor(Math.random() * ids.length);
  const b = (a + 1 + Math.floor(Math.random() * (ids.length - 1))) % ids.length;
  return [ids[a]!, ids[b]!];
}
