import { expect } from "chai";
import type { Adapter } from "socket.io-adapter";
import { reachesLocalSocket } from "../../server/adapter/local-recipients.ts";

/** The two maps of an in-memory adapter that the check reads: room -> sockets, socket -> rooms. */
function adapterWith(rooms: Record<string, string[]>): Adapter {
  const byRoom = new Map(Object.entries(rooms).map(([room, sids]) => [room, new Set(sids)]));
  const bySid = new Map<string, Set<string>>();
  for (const [room, sids] of byRoom) for (const sid of sids) bySid.set(sid, (bySid.get(sid) ?? new Set()).add(room));
  return { rooms: byRoom, sids: bySid } as unknown as Adapter;
}

describe("reachesLocalSocket (adapter counters)", () => {
  const adapter = adapterWith({ "user:a": ["s1"], "user:b": ["s2"], "class:x": ["s1", "s2"] });

  it("is true when a named room has a local socket, false when none has", () => {
    expect(reachesLocalSocket(adapter, ["user:zz", "user:b"], [])).to.equal(true);
    expect(reachesLocalSocket(adapter, ["user:zz"], [])).to.equal(false);
  });

  it("leaves out sockets in an excepted room", () => {
    expect(reachesLocalSocket(adapter, ["class:x"], ["user:a"])).to.equal(true);
    expect(reachesLocalSocket(adapter, ["class:x"], ["user:a", "user:b"])).to.equal(false);
  });

  it("without rooms, is about every local socket", () => {
    expect(reachesLocalSocket(adapter, [], [])).to.equal(true);
    expect(reachesLocalSocket(adapter, [], ["class:x"])).to.equal(false);
    expect(reachesLocalSocket(adapterWith({}), [], [])).to.equal(false);
  });
});
