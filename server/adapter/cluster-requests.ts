import { randomBytes } from "node:crypto";

/** How one cluster-wide request gathers its answers. */
export interface RequestHandlers {
  /** Called with each member's answer. */
  answer(data: unknown): void;
  /** Every expected member answered or left the cluster. */
  complete(): void;
  /** The timeout passed (or the adapter closed) with `missing` members still silent. */
  expire(missing: number): void;
}

interface Pending extends RequestHandlers {
  missing: Set<string>;
  timer: NodeJS.Timeout;
}

/**
 * Requests waiting for answers from a known set of members (fetchSockets, serverSideEmit with an
 * ack, allRooms). A request completes as soon as every member it waits for has answered or has
 * left the cluster, and expires after its timeout otherwise: a dead member costs at most the
 * timeout, and nothing once the registry has dropped it.
 */
export class ClusterRequests {
  private readonly pending = new Map<string, Pending>();

  /** Starts a request to `members`; returns its id (completes at once when there are none). */
  open(members: Iterable<string>, timeoutMs: number, handlers: RequestHandlers): string {
    const id = randomBytes(8).toString("hex");
    const missing = new Set(members);
    if (missing.size === 0) {
      handlers.complete();
      return id;
    }
    const timer = setTimeout(() => this.settle(id, true), timeoutMs);
    this.pending.set(id, { ...handlers, missing, timer });
    return id;
  }

  /** An answer from `member`; answers to unknown or finished requests are ignored. */
  answer(requestId: string, member: string, data: unknown): void {
    const request = this.pending.get(requestId);
    if (!request?.missing.delete(member)) return;
    request.answer(data);
    if (request.missing.size === 0) this.settle(requestId, false);
  }

  /** Members that left the cluster: no request waits for them any longer. */
  forget(members: Iterable<string>): void {
    const gone = [...members];
    for (const [id, request] of this.pending) {
      for (const member of gone) request.missing.delete(member);
      if (request.missing.size === 0) this.settle(id, false);
    }
  }

  /** Expires every request still waiting (the adapter is closing): no caller hangs, no timer stays. */
  close(): void {
    for (const id of [...this.pending.keys()]) this.settle(id, true);
  }

  private settle(id: string, expired: boolean): void {
    const request = this.pending.get(id);
    if (!request) return;
    this.pending.delete(id);
    clearTimeout(request.timer);
    if (expired) request.expire(request.missing.size);
    else request.complete();
  }
}
