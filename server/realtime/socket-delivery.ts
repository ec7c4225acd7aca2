import type { MessageDelivery } from "../messaging/delivery.ts";
import type { Message } from "../messaging/message.ts";
import { classRoom, userRoom } from "./rooms.ts";
import type { RingcastServer } from "./types.ts";

/**
 * Live delivery through the Socket.IO adapter. Broadcast mode emits once to the class room (every
 * member checks it); hash mode emits to the students' personal rooms, which the hash adapter
 * publishes once per owning member.
 */
export class SocketIoDelivery implements MessageDelivery {
  constructor(
    private readonly io: RingcastServer,
    private readonly expandClasses: boolean,
  ) {}

  deliver(message: Message, recipientIds: readonly string[]): void {
    const rooms =
      message.to.type === "user" || this.expandClasses ? recipientIds.map(userRoom) : [classRoom(message.to.id)];
    // The sender's own sockets sit in the class room too; they sent it, they need no copy.
    this.io.to(rooms).except(userRoom(message.from.id)).emit("message", message);
  }
}
