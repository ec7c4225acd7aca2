import type { Adapter, Room, SocketId } from "socket.io-adapter";

/** How many local sockets a broadcast to `rooms` minus `except` reaches (all sockets when no rooms). */
export function countLocalRecipients(adapter: Adapter, rooms: Set<Room>, except: Set<Room>): number {
  const excluded = new Set<SocketId>();
  for (const room of except) for (const sid of adapter.rooms.get(room) ?? []) excluded.add(sid);
  if (rooms.size === 0) return [...adapter.sids.keys()].filter((sid) => !excluded.has(sid)).length;
  const reached = new Set<SocketId>();
  for (const room of rooms) for (const sid of adapter.rooms.get(room) ?? []) if (!excluded.has(sid)) reached.add(sid);
  return reached.size;
}
