import { expect } from "chai";
import { emptyAdapterStats } from "../../server/adapter/adapter-stats.ts";
import { Handoff } from "../../server/cluster/handoff.ts";
import { OwnerRoutes } from "../../server/realtime/notice-routes.ts";
import type { Membership } from "../../server/registry/registry.ts";
import { HashRing } from "../../server/ring/hash-ring.ts";
import { groupByOwner, RingView } from "../../server/ring/ring-view.ts";

/** A RingView fed memberships by hand, as the registry would announce them. */
function ringFedBy(): { view: RingView; announce(epoch: number, ids: string[]): void } {
  let listener: ((m: Membership) => void) | undefined;
  const view = new RingView({
    onChange: (l) => {
      listener = l;
      return () => undefined;
    },
  });
  const announce = (epoch: number, ids: string[]) =>
    listener!({ epoch, members: ids.map((id) => ({ id, url: `http://127.0.0.1/${id}`, mode: "hash", sockets: 0, startedAt: "", lastHeartbeatAt: "" })) });
  return { view, announce };
}

const USERS = Array.from({ length: 2000 }, (_, i) => `s${i}`);

describe("ring view", () => {
  it("groups keys by owner, with a fallback for an empty ring", () => {
    const { view, announce } = ringFedBy();
    expect([...groupByOwner(view, ["s1", "s2"], "self")]).to.deep.equal([["self", ["s1", "s2"]]]);
    announce(1, ["a", "b"]);
    const groups = groupByOwner(view, USERS, "self");
    expect([...groups.keys()].sort()).to.deep.equal(["a", "b"]);
    for (const [owner, keys] of groups) for (const key of keys) expect(view.owner(key)).to.equal(owner);
    expect([...groups.values()].flat().sort()).to.deep.equal([...USERS].sort());
  });
});

describe("hash-mode notices after a join", () => {
  it("notify each recipient's owner, and while the join is recent also the member its socket may still be on", () => {
    const { view, announce } = ringFedBy();
    const handoff0 = new Handoff(view, "a");
    handoff0.start();
    announce(1, ["a", "b", "c", "d"]);
    announce(2, ["a", "b", "c", "d", "e"]);
    const before = new HashRing(["a", "b", "c", "d"]);
    const moved = USERS.find((u) => before.owner(u) !== view.owner(u) && before.owner(u) !== "a")!;
    const stayed = USERS.find((u) => before.owner(u) === view.owner(u) && view.owner(u) !== "a")!;
    const routes = new OwnerRoutes((userId) => handoff0.holders(userId), emptyAdapterStats());
    const notices = routes.routes([moved, stayed]).map(({ member, userIds }): [string, readonly string[]] => [member, userIds]);
    const byMember = new Map(notices);
    expect(byMember.get("e")).to.deep.equal([moved]);
    expect(byMember.get(before.owner(moved)!)).to.include(moved);
    expect(byMember.get(view.owner(stayed)!)).to.include(stayed);
    expect(notices.flatMap(([, ids]) => ids).filter((id) => id === stayed)).to.have.length(1);
  });
});
