import type { MessageDelivery } from "../messaging/delivery.ts";
import type { Message } from "../messaging/message.ts";
import { classRoom, userRoom } from "./rooms.ts";
import type { RingcastServer } from "./types.ts";

/** Live delivery through the Socket.IO adapter: every member emits to its local sockets in the room. */
export class SocketIoDelivery implements MessageDelivery {
  constructor(private readonly io: RingcastServer) {}

  deliver(message: Message): void {
    const room = message.to.type === "user" ? userRoom(message.to.id) : classRoom(message.to.id);
    // The sender's own sockets sit in the class room too; they sent it, they need no copy.
    this.io.to(room).except(userRoom(message.from.id)).emit("message", message);
  }
}
