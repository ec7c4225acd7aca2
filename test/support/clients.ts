import { io, type Socket } from "socket.io-client";
import { RingcastRest } from "../../client/rest.ts";
import type { Message } from "../../server/messaging/message.ts";
import { TEST_PASSWORD } from "./redis.ts";

export type ClientSocket = Socket;

export async function tokenFor(baseUrl: string, userId: string, password = TEST_PASSWORD): Promise<string> {
  return (await new RingcastRest(baseUrl).login(userId, password)).token;
}

/** Why a socket's upgrade to WebSocket failed, if it did (for failure messages). */
export const upgradeErrors = new WeakMap<ClientSocket, string>();

/** A stock socket.io-client socket, connected (rejects with the connect_error otherwise). */
export function connectSocket(
  url: string,
  auth: Record<string, unknown>,
  options: { transports?: ("polling" | "websocket")[]; reconnection?: boolean; query?: Record<string, string> } = {},
): Promise<ClientSocket> {
  const socket = io(url, { auth, forceNew: true, reconnection: options.reconnection ?? false, ...options });
  // The engine exists as soon as io() returns; a failed upgrade probe leaves the client on polling.
  socket.io.engine?.on("upgradeError", (err: Error) => upgradeErrors.set(socket, `${err.message} (${String((err as { description?: unknown }).description ?? "")})`));
  return new Promise((resolve, reject) => {
    socket.once("connect", () => resolve(socket));
    socket.once("connect_error", (err) => {
      socket.close();
      reject(err);
    });
  });
}

/**
 * A socket whose messages are recorded from before it connects, as an app listens: a replay may
 * arrive with the connect packet, before an Inbox made after `connect` would be listening.
 */
export async function connectInbox(url: string, auth: Record<string, unknown>): Promise<Inbox> {
  const inbox = new Inbox(io(url, { auth, forceNew: true, reconnection: false }));
  await new Promise<void>((resolve, reject) => {
    inbox.socket.once("connect", () => resolve());
    inbox.socket.once("connect_error", (err) => {
      inbox.socket.close();
      reject(err);
    });
  });
  return inbox;
}

/** Every `message` event a socket receives, in order. */
export class Inbox {
  readonly messages: Message[] = [];
  private waiters: (() => void)[] = [];

  constructor(readonly socket: ClientSocket) {
    socket.on("message", (message: Message) => {
      this.messages.push(message);
      for (const wake of this.waiters) wake();
    });
  }

  /** Resolves once at least `count` messages arrived; rejects after timeoutMs. */
  waitFor(count: number, timeoutMs = 5000): Promise<Message[]> {
    if (this.messages.length >= count) return Promise.resolve(this.messages);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== check);
        reject(new Error(`expected ${count} messages, got ${this.messages.length}`));
      }, timeoutMs);
      const check = (): void => {
        if (this.messages.length < count) return;
        clearTimeout(timer);
        this.waiters = this.waiters.filter((w) => w !== check);
        resolve(this.messages);
      };
      this.waiters.push(check);
    });
  }
}

/** Polls `probe` until it returns true; rejects after timeoutMs. */
export async function eventually(probe: () => Promise<boolean> | boolean, timeoutMs = 10_000, everyMs = 100): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await Promise.resolve().then(probe).catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export function closeAll(sockets: ClientSocket[]): void {
  for (const socket of sockets) socket.close();
}
