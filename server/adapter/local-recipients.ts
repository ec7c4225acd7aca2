import type { Adapter, Room } from "socket.io-adapter";

/**
 * Whether a broadcast to `rooms` minus `except` reaches any local socket (any socket at all when
 * there are no rooms). Runs for every message a member receives, so it stops at the first
 * recipient instead of counting them all.
 */
export function reachesLocalSocket(adapter: Adapter, rooms: Iterable<Room>, except: Iterable<Room>): boolean {
  const excluded = [...except].map((room) => adapter.rooms.get(room)).filter((sids) => sids !== undefined);
  const allowed = (sid: string): boolean => !excluded.some((sids) => sids.has(sid));
  let anyRoom = false;
  for (const room of rooms) {
    anyRoom = true;
    for (const sid of adapter.rooms.get(room) ?? []) if (allowed(sid)) return true;
  }
  if (anyRoom) return false;
  for (const sid of adapter.sids.keys()) if (allowed(sid)) return true;
  return false;
}
