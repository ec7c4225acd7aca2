import type { IncomingMessage } from "node:http";
import { setupWorker } from "@socket.io/sticky";
import type { Server } from "socket.io";
import { STICKY_SESSION, STICKY_SYNC, STICKY_SYNCED, type StickySyncMessage } from "./sticky-protocol.ts";

const SYNC_TIMEOUT_MS = 1000;

/**
 * The worker's half of sticky routing. Engine.IO awaits generateId() before answering a
 * handshake, so registering the new id there, and waiting until the primary has processed it
 * (IPC messages are handled in order), closes the handshake race of @socket.io/sticky.
 */
export function setupStickyWorker(io: Server): void {
  setupWorker(io);
  const pending = new Map<number, () => void>();
  let nextSeq = 0;

  process.on("message", (message: unknown) => {
    const m = message as Partial<StickySyncMessage> | null;
    if (m?.type === STICKY_SYNCED && typeof m.seq === "number") pending.get(m.seq)?.();
  });

  // generateId is Engine.IO's documented hook for custom session ids; its typings omit the promise form.
  const engine = io.engine as unknown as { generateId: (req: IncomingMessage) => string | Promise<string> };
  const generate = engine.generateId.bind(engine);
  engine.generateId = async (req) => {
    const id = await generate(req);
    const seq = nextSeq++;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, SYNC_TIMEOUT_MS);
      function done(): void {
        clearTimeout(timer);
        pending.delete(seq);
        resolve();
      }
      pending.set(seq, done);
      process.send?.({ type: STICKY_SESSION, data: id });
      process.send?.({ type: STICKY_SYNC, seq });
    });
    return id;
  };
}
