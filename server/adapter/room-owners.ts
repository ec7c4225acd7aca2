import type { Room } from "socket.io-adapter";
import type { RingLookup } from "../ring/ring-view.ts";

/** The routing key of a user's personal room ("user:<id>" -> "<id>"); other rooms have none. */
export const userRoomKey = (room: Room): string | undefined => (room.startsWith("user:") ? room.slice(5) : undefined);

/** Who holds a routing key when nothing else says: the ring's owner alone. */
export function ownerAlone(ring: RingLookup): (key: string) => readonly string[] {
  return (key) => {
    const owner = ring.owner(key);
    return owner === undefined ? [] : [owner];
  };
}

/**
 * The rooms of an emit grouped by each member that holds a room's routing key; undefined when any
 * room has no key or no holder (the emit then goes to every member).
 */
export function roomsByOwner(rooms: Set<Room>, routingKeyOf: (room: Room) => string | undefined, holdersOf: (key: string) => readonly string[]): Map<string, Room[]> | undefined {
  if (rooms.size === 0) return undefined;
  const byOwner = new Map<string, Room[]>();
  for (const room of rooms) {
    const key = routingKeyOf(room);
    const holders = key === undefined ? [] : holdersOf(key);
    if (holders.length === 0) return undefined;
    for (const holder of holders) {
      const list = byOwner.get(holder);
      if (list) list.push(room);
      else byOwner.set(holder, [room]);
    }
  }
  return byOwner;
}

/**
 * Whether an emit to these owners is better published once to every member: it is for users on
 * at least 2 other members, and on more than `wideFanOut` of the other members.
 */
export function isWideFanOut(owners: Map<string, Room[]>, self: string, ringSize: number, wideFanOut: number): boolean {
  const remote = owners.size - (owners.has(self) ? 1 : 0);
  return remote >= 2 && remote > (ringSize - 1) * wideFanOut;
}
