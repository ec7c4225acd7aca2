/** Messages on the wire: what is sent, received, acknowledged and reported. */

/** Who a message is addressed to. */
export type Target = { type: "user"; id: string } | { type: "class"; id: string };

/** What recipients receive as the `message` event (and in history pages). */
export interface Message {
  /** "<ms>-<seq>" (see message-id.ts). */
  id: string;
  from: { id: string; name: string };
  to: Target;
  body: string;
  sentAt: string;
}

/** Body of POST /api/messages and payload of the `message:send` socket event. */
export interface SendRequest {
  to: { user: string } | { class: string };
  body: string;
}

/** "live": a socket of the recipient was connected (delivery under way); "stored": replayed on return. */
export type ReceiptStatus = "live" | "stored";

/** What the sender gets back (201 of POST /api/messages, the `message:send` ack). */
export interface SendReceipt {
  /**
   * The message id, to ask its delivery status with. Recipients resume from the last id they saw
   * (`auth: { lastMessageId }`); on a Redis Cluster split into log groups, a class message's
   * recipients in other groups than the sender's see it under their group's id.
   */
  id: string;
  to: Target;
  /** How many users the message was addressed to (1 for a direct message, the class size otherwise). */
  recipients: number;
  sentAt: string;
  receipts: { userId: string; status: ReceiptStatus }[];
}

/**
 * Where a message stands for one recipient: sent to one of its sockets, kept in its log for
 * replay, or trimmed from the log (by length or age) before it was delivered.
 */
export type DeliveryStatus = "delivered" | "stored" | "expired";

/** GET /api/messages/:id, for the sender: which recipients the message has reached. */
export interface MessageStatus {
  id: string;
  senderId: string;
  to: Target;
  sentAt: string;
  recipients: { userId: string; status: DeliveryStatus }[];
}
