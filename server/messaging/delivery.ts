import type { Message } from "./message.ts";

/** Hands an accepted message to the cluster for live delivery to every recipient's sockets. */
export interface MessageDelivery {
  /** `recipientIds`: the users it is addressed to (the class's students for a class message). */
  deliver(message: Message, recipientIds: readonly string[]): void;
}
