import type { TokenClaims } from "../auth/tokens.ts";
import { RingcastError } from "../errors.ts";
import type { DeliveryLedger, MessageStatus } from "../inbox/delivery-ledger.ts";
import type { HistoryPage, InboxStore, MessageDraft } from "../inbox/inbox.ts";
import type { SendLimiter } from "../limits/send-limits.ts";
import type { MessageCounters } from "../metrics/counters.ts";
import type { SchoolStore, User } from "../school/school.ts";
import type { MessageDelivery } from "./delivery.ts";
import { type Message, type SendReceipt, type SendRequest, type Target, targetOf } from "./message.ts";

/**
 * The one place that decides whether a message may be sent, and sends it.
 * Rules: a user may message a user who shares a class with them; only a class's own teacher may
 * message the class. Anything refused is delivered to nobody.
 */
export interface MessageServiceDeps {
  school: SchoolStore;
  inbox: InboxStore;
  ledger: DeliveryLedger;
  /** The users among these with a socket on a live member. */
  online: (userIds: readonly string[]) => Promise<Set<string>>;
  delivery: MessageDelivery;
  /** Counts sends in progress, so a draining member can let them finish. */
  inFlight?: { track<T>(work: Promise<T>): Promise<T> };
  /** Accepted messages are counted here by target kind. */
  counters?: MessageCounters;
  /** Rate limits, asked before anything is stored (a refused message is stored nowhere). */
  limits?: SendLimiter;
}

export class MessageService {
  private readonly school: SchoolStore;

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
    // Stored in its conversation's log before it is acknowledged: nothing acknowledged is lost.
    const message: Message = { id: await this.deps.inbox.append(draft), ...draft };
    // The message is stored: failing the send now would make the sender retry a message that
    // will be delivered anyway. Without this record its status reads as unknown.
    const [, online] = await Promise.all([
      this.deps.ledger.recordSent(message.id, from.id, to, message.sentAt, recipients).catch(() => undefined),
      this.deps.online(recipients).catch(() => new Set<string>()),
    ]);
    this.deps.delivery.deliver(message, recipients);
    const receipts = recipients.map((userId) => ({ userId, status: online.has(userId) ? ("live" as const) : ("stored" as const) }));
    if (this.deps.counters) this.deps.counters.sent[to.type]++;
    return { id: message.id, to, recipients: recipients.length, sentAt: message.sentAt, receipts };
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

  /** A message's delivery status, for its sender only. */
  async status(requesterId: string, messageId: string): Promise<MessageStatus> {
    const status = await this.deps.ledger.status(messageId);
    if (!status) throw new RingcastError("not_found", `no message '${messageId}' (or it is older than the logs keep)`);
    if (status.senderId !== requesterId) throw new RingcastError("forbidden", "only the sender can see a message's delivery");
    if (status.recipients.every((r) => r.status === "delivered")) return status;
    // Not yet delivered and no longer in its log: it can never be, so it is not "stored".
    if (await this.deps.inbox.contains(messageId, status.to, status.senderId)) return status;
    return { ...status, recipients: status.recipients.map((r) => (r.status === "stored" ? { ...r, status: "expired" } : r)) };
  }
}
