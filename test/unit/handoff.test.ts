import { expect } from "chai";
import { Handoff, type RingSource } from "../../server/cluster/handoff.ts";
import { HashRing } from "../../server/ring/hash-ring.ts";
import type { RingChange } from "../../server/ring/ring-view.ts";

/** A ring announced by hand, as the registry would, and a clock moved by hand. */
function cluster() {
  let clock = 1_000_000;
  const listeners = new Set<(change: RingChange) => void>();
  const source: { current: HashRing; epoch: number } & RingSource = {
    current: new HashRing([]),
    epoch: 0,
    onChange: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
  const announce = (members: string[]): void => {
    const previous = source.current;
    source.current = new HashRing(members);
    source.epoch++;
    for (const listener of listeners) listener({ previous, current: source.current, epoch: source.epoch });
  };
  const handoffOf = (self: string) => {
    const handoff = new Handoff(source, self, { settleMs: 10_000, catchUpMs: [1000, 5000], followUpMs: [1000, 5000] }, () => clock);
    handoff.start();
    return handoff;
  };
  const advance = (ms: number): void => {
    clock += ms;
  };
  return { announce, handoffOf, advance, ring: () => source.current };
}

const USERS = Array.from({ length: 3000 }, (_, i) => `u${i}`);

/**
 * The property the design note argues: every member that can still hold a user's socket (its owner
 * under any ring of the last settleMs, still a member) is among the user's holders, so a notice
 * reaches the socket wherever it is.
 */
function expectHoldersCover(handoff: Handoff, rings: HashRing[], members: readonly string[]): void {
  for (const user of USERS) {
    const holders = handoff.holders(user);
    for (const ring of rings) {
      const owner = ring.owner(user);
      if (owner !== undefined && members.includes(owner)) expect(holders, user).to.include(owner);
    }
    expect(new Set(holders).size).to.equal(holders.length);
  }
}

describe("handoff: who may hold a user's sockets", () => {
  it("a join: moved users have their new and previous owner as holders for settleMs, then only the owner", () => {
    const { announce, handoffOf, advance, ring } = cluster();
    const handoff = handoffOf("a");
    announce(["a", "b", "c", "d"]);
    const before = ring();
    advance(20_000);
    expect(handoff.settled()).to.equal(true);
    announce(["a", "b", "c", "d", "e"]);
    expect(handoff.settled()).to.equal(false);
    expect(handoff.followUps()).to.deep.equal([1000, 5000]);
    expectHoldersCover(handoff, [before, ring()], ring().members);
    const moved = USERS.filter((u) => before.owner(u) !== ring().owner(u));
    expect(moved.length).to.be.within(400, 800);
    for (const u of moved) expect(handoff.holders(u)).to.deep.equal([ring().owner(u), before.owner(u)]);
    advance(10_000);
    expect(handoff.settled()).to.equal(true);
    expect(handoff.followUps()).to.deep.equal([]);
    for (const u of USERS) expect(handoff.holders(u)).to.deep.equal([ring().owner(u)]);
  });

  it("a leave: the departed member stays a holder of its users while recent (it may still be closing them)", () => {
    const { announce, handoffOf, advance, ring } = cluster();
    const handoff = handoffOf("a");
    announce(["a", "b", "c"]);
    const before = ring();
    advance(20_000);
    announce(["a", "b"]);
    expectHoldersCover(handoff, [before, ring()], ["a", "b", "c"]);
    const leftBehind = USERS.filter((u) => before.owner(u) === "c");
    for (const u of leftBehind) expect(handoff.holders(u)).to.deep.equal([ring().owner(u), "c"]);
    advance(10_000);
    for (const u of USERS) expect(handoff.holders(u)).to.not.include("c");
  });

  it("a lease lapse and return: the rings with and without the member all count while recent", () => {
    const { announce, handoffOf, advance, ring } = cluster();
    const handoff = handoffOf("a");
    announce(["a", "b", "c"]);
    advance(20_000);
    const full = ring();
    announce(["a", "b"]); // c's lease lapsed
    const without = ring();
    advance(1500);
    announce(["a", "b", "c"]); // c renewed and came back
    expectHoldersCover(handoff, [full, without, ring()], ["a", "b", "c"]);
    advance(8600); // the lapse is older than settleMs, the return is not
    expectHoldersCover(handoff, [without, ring()], ["a", "b", "c"]);
    advance(1500);
    for (const u of USERS) expect(handoff.holders(u)).to.deep.equal([ring().owner(u)]);
  });

  it("a flap (two changes within a second): owners under all three rings are holders", () => {
    const { announce, handoffOf, advance, ring } = cluster();
    const handoff = handoffOf("a");
    announce(["a", "b", "c", "d"]);
    advance(20_000);
    const first = ring();
    announce(["a", "b", "c", "d", "e"]);
    const second = ring();
    advance(400);
    announce(["a", "b", "c", "d", "e", "f"]);
    expectHoldersCover(handoff, [first, second, ring()], ring().members);
    // A user owned by a different member in each ring has three holders.
    const thrice = USERS.find((u) => new Set([first.owner(u), second.owner(u), ring().owner(u)]).size === 3);
    if (thrice) expect(handoff.holders(thrice)).to.have.length(3);
    expect(handoff.settled()).to.equal(false);
  });

  it("a process's first ring is recent too (the others may not route by it yet), but moves nobody", () => {
    const { announce, handoffOf } = cluster();
    const handoff = handoffOf("e");
    const movements: boolean[] = [];
    handoff.onMovement((m) => movements.push(m.moved));
    announce(["a", "b", "e"]);
    expect(handoff.settled()).to.equal(false);
    expect(movements).to.deep.equal([false]);
    announce(["a", "b", "e"]); // a heartbeat that changed nothing
    expect(movements).to.deep.equal([false]);
  });

  it("refuses a session for a user another member owns, naming the owner and the epoch", () => {
    const { announce, handoffOf, ring } = cluster();
    const handoff = handoffOf("a");
    expect(handoff.refusal("u1")).to.equal(null); // an empty ring refuses nobody
    announce(["a", "b"]);
    const mine = USERS.find((u) => ring().owner(u) === "a")!;
    const theirs = USERS.find((u) => ring().owner(u) === "b")!;
    expect(handoff.refusal(mine)).to.equal(null);
    expect(handoff.refusal(theirs)).to.equal(`user ${theirs} belongs to member b at ring epoch 1; connect through a router`);
  });

  it("stops listening on close", () => {
    const { announce, handoffOf } = cluster();
    const handoff = handoffOf("a");
    let heard = 0;
    handoff.onMovement(() => heard++);
    handoff.close();
    announce(["a", "b"]);
    expect(heard).to.equal(0);
    expect(handoff.settled()).to.equal(true);
  });
});
