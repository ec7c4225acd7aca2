import { io, type Socket } from "socket.io-client";
import type { SessionInfo } from "../../server/realtime/events.ts";
import { Inbox, tokenFor } from "./clients.ts";

/** One user's stock socket.io-client connection, with what it saw. */
export interface FleetUser {
  id: string;
  token: string;
  socket: Socket;
  inbox: Inbox;
  /** The member serving the current connection (from the `ringcast:session` event). */
  member: string | undefined;
  /** Times the connection dropped (transport closed by a member, or the member died). */
  drops: number;
  /** Why the connection last dropped or failed (a disconnect reason or a connect_error code). */
  lastDrop?: string;
  /** Where the first session started in the user's log (the resume point before any message). */
  startedAt: string | undefined;
}

/**
 * Many users connected through a router with default socket.io-client options (polling first,
 * then upgrade; automatic reconnection), the token in `query` so routers can read it, and the
 * last message id seen in `auth` so a reconnect resumes where it left off.
 */
export async function connectFleet(routerUrl: string, userIds: string[], batch = 50, password?: string): Promise<FleetUser[]> {
  const users: FleetUser[] = [];
  for (let i = 0; i < userIds.length; i += batch) {
    users.push(...(await Promise.all(userIds.slice(i, i + batch).map((id) => connectUser(routerUrl, id, password)))));
  }
  return users;
}

async function connectUser(routerUrl: string, id: string, password?: string): Promise<FleetUser> {
  const token = await tokenFor(routerUrl, id, password);
  // As a stock app that keeps the last message id it saw: sent again on every reconnect.
  const auth = (cb: (data: object) => void) => cb({ lastMessageId: user.inbox.messages.at(-1)?.id ?? user.startedAt });
  const socket = io(routerUrl, { query: { token }, forceNew: true, auth });
  const user: FleetUser = { id, token, socket, inbox: new Inbox(socket), member: undefined, drops: 0, startedAt: undefined };
  socket.on("ringcast:session", (session: SessionInfo) => {
    user.member = session.member;
    user.startedAt ??= session.lastMessageId;
  });
  socket.on("disconnect", (reason) => {
    user.member = undefined;
    user.drops++;
    user.lastDrop = reason;
  });
  socket.on("connect_error", (err: Error & { data?: { code?: string } }) => {
    user.lastDrop = `connect_error ${err.data?.code ?? err.message}`;
  });
  await new Promise<void>((resolve, reject) => {
    socket.once("ringcast:session", () => resolve());
    socket.once("connect_error", reject);
  });
  return user;
}

export function closeFleet(users: FleetUser[]): void {
  for (const user of users) user.socket.close();
}
