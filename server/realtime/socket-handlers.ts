import type { Limit } from "../config/config.ts";
import { RingcastError, toPublicError } from "../errors.ts";
import type { Logger } from "../log.ts";
import { countRefusal, type MessageCounters } from "../metrics/counters.ts";
import { sendRequestSchema } from "../messaging/message.ts";
import type { MessageService } from "../messaging/message-service.ts";
import { parseInput } from "../validation.ts";
import { eventLimit } from "./event-limit.ts";
import type { SessionInfo } from "./events.ts";
import type { RingcastSocket } from "./types.ts";

export interface SocketHandlerDeps {
  messages: MessageService;
  session: () => Omit<SessionInfo, "lastMessageId">;
  maxMessageChars: number;
  /** Events one connection may send per window; none: unlimited. */
  socketEvents?: Limit;
  /** Refused sends are counted here by error code. */
  counters?: MessageCounters;
  log: Logger;
}

/**
 * Returns the per-socket wiring. Everything shared (the input schema: a zod schema costs kilobytes)
 * is built once here, not once per connection.
 */
export function socketHandlers(deps: SocketHandlerDeps): (socket: RingcastSocket) => void {
  const schema = sendRequestSchema(deps.maxMessageChars);
  const limitEvents = deps.socketEvents && eventLimit(deps.socketEvents, deps.log);
  return (socket) => {
    limitEvents?.(socket);
    registerSocketHandlers(socket, schema, deps);
  };
}

/** Wires the events of one connected socket. Handlers never throw: every outcome is an ack. */
function registerSocketHandlers(socket: RingcastSocket, schema: ReturnType<typeof sendRequestSchema>, deps: SocketHandlerDeps): void {
  // socket.handshake keeps what the handlers need; the first HTTP request (headers, parser
  // state, several KB) would otherwise live as long as the connection.
  (socket.conn as { request: unknown }).request = null;
  socket.emit("ringcast:session", { ...deps.session(), lastMessageId: socket.data.cursor });

  socket.on("message:send", async (payload, ack) => {
    // emit("message:send", cb): the callback came as the payload; it still gets an answer.
    if (typeof payload === "function" && ack === undefined) {
      const error = new RingcastError("invalid_request", "message:send needs a payload: { to: { user } | { class }, body }");
      (payload as (answer: object) => void)({ ok: false, error: error.toJSON() });
      return;
    }
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
      countRefusal(deps.counters, error.code);
      if (error.code === "internal_error") deps.log.error({ err }, "message:send failed");
      ack({ ok: false, error: error.toJSON() });
    }
  });
}
