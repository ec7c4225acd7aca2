import { expect } from "chai";
import { ownerAlone, roomsByOwner, userRoomKey } from "../../server/adapter/room-owners.ts";
import { HashRing } from "../../server/ring/hash-ring.ts";

describe("hash adapter targeting: rooms by the members that hold their keys", () => {
  const ring = new HashRing(["a", "b", "c"]);
  const users = Array.from({ length: 200 }, (_, i) => `u${i}`);

  it("sends a user's room to its owner alone by default", () => {
    const rooms = new Set(users.map((u) => `user:${u}`));
    const byOwner = roomsByOwner(rooms, userRoomKey, ownerAlone(ring))!;
    for (const [owner, list] of byOwner) for (const room of list) expect(ring.owner(room.slice(5))).to.equal(owner);
    expect([...byOwner.values()].flat()).to.have.length(users.length);
  });

  it("sends it to every holder the handoff names (the owner and an earlier one), once each", () => {
    const holders = (key: string) => (key === "u1" ? ["b", "a"] : [ring.owner(key)!]);
    const byOwner = roomsByOwner(new Set(["user:u1"]), userRoomKey, holders)!;
    expect([...byOwner]).to.deep.equal([
      ["b", ["user:u1"]],
      ["a", ["user:u1"]],
    ]);
  });

  it("goes to every member (undefined) when a room has no key or no holder", () => {
    expect(roomsByOwner(new Set(["user:u1", "class:7a"]), userRoomKey, ownerAlone(ring))).to.equal(undefined);
    expect(roomsByOwner(new Set(["user:u1"]), userRoomKey, () => [])).to.equal(undefined);
    expect(roomsByOwner(new Set(), userRoomKey, ownerAlone(ring))).to.equal(undefined);
  });
});
