import type { Message } from "./message.ts";

/** Hands an accepted message to the cluster for live delivery to every recipient's sockets. */
export interface MessageDelivery {
  deliver(message: Message): void;
}
