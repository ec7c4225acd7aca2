import type { TokenClaims } from "../auth/tokens.ts";
import { RingcastError } from "../errors.ts";
import type { DeliveryStatus, MessageStatus } from "../../protocol/message.ts";
import type { HistoryPage, InboxStore, MessageDraft } from "../inbox/inbox.ts";
import type { ReceiptCursors } from "../inbox/receipts.ts";
import type { SendLimiter } from "../limits/send-limits.ts";
import type { MessageCounters } from "../metrics/counters.ts";
import type { SendReads } from "../school/cached-school-reads.ts";
import type { User } from "../school/school.ts";
import type { NoticeRouter } from "../realtime/notice-routes.ts";
import { type SendReceipt, type SendRequest, type Target, targetOf } from "./message.ts";


/**
 * The one place that decides whether a message may be sent, and sends it.
 * Rules: a user may message a user who shares a class with them; only a class's own teacher may
 * message the class. Anything refused is delivered to nobody.
 */
export interface MessageServiceDeps {
  school: SendReads;
  inbox: InboxStore;
  /** Each user's delivered position, for the delivery status. */
  receipts: Pick<ReceiptCursors, "reached">;
  /** The users among these with a socket on a live member. */
  online: (userIds: readonly string[]) => Promise<Set<string>>;
  /** Where each message's notices go: published by the append itself. */
  routes: NoticeRouter;
  /** Counts sends in progress, so a draining member can let them finish. */
  inFlight?: { track<T>(work: Promise<T>): Promise<T> };
  /** Accepted messages are counted here by target kind. */
  counters?: MessageCounters;
  /** Rate limits, asked before anything is stored (a refused message is stored nowhere). */
  limits?: SendLimiter;
}

export class MessageService {
  private readonly school: SendReads;

  constructor(private readonly deps: MessageServiceDeps) {
    this.school = deps.school;
  }

  send(sender: TokenClaims, request: SendRequest): Promise<SendReceipt> {
    const sending = this.accept(sender, request);
    return this.deps.inFlight ? this.deps.inFlight.track(sending) : sending;
  }

  private async accept(sender: TokenClaims, request: SendRequest): Promise<SendReceipt> {
    const to = targetOf(request);
    // The sender's record and what the target's rules need are read at once (one round trip);
    // the sender's answer is checked first.
    // The rate limit is counted in the same round trip; a refusal by the rules is told first.
    const [fromRead, targetRead, admitted] = await Promise.allSettled([
      this.school.getUser(sender.userId),
      this.readTarget(sender.userId, to),
      this.deps.limits?.admit(sender.userId, to),
    ]);
    if (fromRead.status === "rejected") throw fromRead.reason;
    const from = fromRead.value;
    if (!from) throw new RingcastError("forbidden", "your account no longer exists");
    if (targetRead.status === "rejected") throw targetRead.reason;
    const recipients = targetRead.value(from);
    if (admitted.status === "rejected") throw admitted.reason;
    const draft: MessageDraft = { from: { id: from.id, name: from.name }, to, body: request.body, sentAt: new Date().toISOString() };
    // Stored in its conversation's log before it is acknowledged (nothing acknowledged is lost),
    // and its notices published in the same step. Presence is advisory: it never fails a send.
    const [id, online] = await Promise.all([
      this.deps.inbox.append(draft, this.deps.routes.routes(recipients)),
      this.deps.online(recipients).catch(() => new Set<string>()),
    ]);
    const receipts = recipients.map((userId) => ({ userId, status: online.has(userId) ? ("live" as const) : ("stored" as const) }));
    if (this.deps.counters) this.deps.counters.sent[to.type]++;
    return { id, to, recipients: recipients.length, sentAt: draft.sentAt, receipts };
  }

  /** Reads what the rules for `to` need; the returned check gives the recipients once the sender is known. */
  private async readTarget(fromId: string, to: Target): Promise<(from: User) => string[]> {
    if (to.type === "user") {
      if (to.id === fromId) throw new RingcastError("invalid_request", "you cannot send a message to yourself");
      const [recipient, shared] = await Promise.all([this.school.getUser(to.id), this.school.shareAClass(fromId, to.id)]);
      return () => {
        if (!recipient) throw new RingcastError("not_found", `no user '${to.id}'`);
        if (!shared) throw new RingcastError("forbidden", `you share no class with '${to.id}'`);
        return [to.id];
      };
    }
    const schoolClass = await this.school.getClass(to.id);
    return (from) => {
      if (from.role !== "teacher") throw new RingcastError("forbidden", "only teachers can message a class");
      if (!schoolClass) throw new RingcastError("not_found", `no class '${to.id}'`);
      if (schoolClass.teacherId !== from.id) throw new RingcastError("forbidden", `you do not teach class '${to.id}'`);
      return schoolClass.studentIds;
    };
  }

  /** A page of the messages for `userId` (what its sockets are sent), newest page first. */
  history(userId: string, before: string | undefined, limit: number): Promise<HistoryPage> {
    return this.deps.inbox.readBefore(userId, before, limit);
  }

  /**
   * A message's delivery status, for its sender only: found in the sender's index of what it sent,
   * each recipient's status read from its delivered position.
   */
  async status(requesterId: string, messageId: string): Promise<MessageStatus> {
    const sent = await this.deps.inbox.locate(requesterId, messageId);
    if (!sent) throw new RingcastError("not_found", `no message '${messageId}' of yours (or it is older than the logs keep)`);
    const recipientIds = sent.to.type === "user" ? [sent.to.id] : ((await this.school.getClass(sent.to.id))?.studentIds ?? []);
    const reached = await this.deps.receipts.reached(recipientIds, sent.copies);
    // Not yet delivered and no longer in its log: it can never be, so it is not "stored".
    const undelivered: DeliveryStatus = sent.kept ? "stored" : "expired";
    const recipients = recipientIds.map((userId) => ({ userId, status: reached.has(userId) ? ("delivered" as const) : undelivered }));
    return { id: messageId, senderId: requesterId, to: sent.to, sentAt: sent.sentAt, recipients };
  }
}
