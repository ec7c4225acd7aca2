import { toPublicError } from "../errors.ts";
import type { Logger } from "../log.ts";
import { sendRequestSchema } from "../messaging/message.ts";
import type { MessageService } from "../messaging/message-service.ts";
import { parseInput } from "../validation.ts";
import type { SessionInfo } from "./events.ts";
import type { RingcastSocket } from "./types.ts";

export interface SocketHandlerDeps {
  messages: MessageService;
  session: () => Omit<SessionInfo, "lastMessageId">;
  maxMessageChars: number;
  log: Logger;
}

/** Wires the events of one connected socket. Handlers never throw: every outcome is an ack. */
export function registerSocketHandlers(socket: RingcastSocket, deps: SocketHandlerDeps): void {
  const schema = sendRequestSchema(deps.maxMessageChars);
  socket.emit("ringcast:session", { ...deps.session(), lastMessageId: socket.data.cursor });

  socket.on("message:send", async (payload, ack) => {
    if (typeof ack !== "function") {
      deps.log.debug({ userId: socket.data.userId }, "message:send without ack callback ignored");
      return;
    }
    try {
      const request = parseInput(schema, payload, "message");
      const receipt = await deps.messages.send({ userId: socket.data.userId, role: socket.data.role }, request);
      ack({ ok: true, ...receipt });
    } catch (err) {
      const error = toPublicError(err);
      if (error.code === "internal_error") deps.log.error({ err }, "message:send failed");
      ack({ ok: false, error: error.toJSON() });
    }
  });
}
