import { expect } from "chai";
import { murmur3 } from "../../server/ring/hash.ts";
import { HashRing } from "../../server/ring/hash-ring.ts";

const KEYS = Array.from({ length: 100_000 }, (_, i) => `user-${i}`);
const EIGHT = Array.from({ length: 8 }, (_, i) => `member-${i + 1}`);

function owners(ring: HashRing): string[] {
  return KEYS.map((key) => ring.owner(key)!);
}

describe("murmur3", () => {
  it("matches the reference MurmurHash3_x86_32 vectors", () => {
    expect(murmur3("")).to.equal(0);
    expect(murmur3("", 1)).to.equal(0x514e28b7);
    expect(murmur3("hello")).to.equal(0x248bfa47);
    expect(murmur3("Hello, world!", 1234)).to.equal(0xfaf6cdb3);
    expect(murmur3("The quick brown fox jumps over the lazy dog")).to.equal(0x2e4ff723);
  });
});

describe("hash ring", () => {
  it("has no owner when empty and one owner for everything with one member", () => {
    expect(new HashRing([]).owner("s001")).to.equal(undefined);
    const single = new HashRing(["only"]);
    expect(new Set(KEYS.slice(0, 1000).map((k) => single.owner(k)))).to.deep.equal(new Set(["only"]));
  });

  it("is the same ring whatever order members joined in", () => {
    const a = new HashRing(EIGHT);
    const b = new HashRing([...EIGHT].reverse());
    const c = new HashRing([...EIGHT, "member-3"]);
    expect(owners(b)).to.deep.equal(owners(a));
    expect(owners(c)).to.deep.equal(owners(a));
  });

  it("keeps the most loaded of 8 members within 1.10x the mean over 100k keys", () => {
    const counts = new Map<string, number>();
    for (const owner of owners(new HashRing(EIGHT))) counts.set(owner, (counts.get(owner) ?? 0) + 1);
    expect(counts.size).to.equal(8);
    expect(Math.max(...counts.values()) / (KEYS.length / 8)).to.be.at.most(1.1);
  });

  it("moves about 1/(N+1) of the keys when a member joins, and only to the new member", () => {
    const before = owners(new HashRing(EIGHT));
    const after = owners(new HashRing([...EIGHT, "member-9"]));
    const moved = KEYS.filter((_, i) => before[i] !== after[i]);
    expect(moved.length / KEYS.length).to.be.closeTo(1 / 9, 0.02);
    expect(new Set(KEYS.flatMap((_, i) => (before[i] !== after[i] ? [after[i]] : [])))).to.deep.equal(new Set(["member-9"]));
  });

  it("moves only the leaving member's keys when a member leaves", () => {
    const before = owners(new HashRing(EIGHT));
    const after = owners(new HashRing(EIGHT.filter((m) => m !== "member-4")));
    for (let i = 0; i < KEYS.length; i++) {
      if (before[i] !== "member-4") expect(after[i]).to.equal(before[i]);
      else expect(after[i]).not.to.equal("member-4");
    }
  });

  it("reports each member's share of the hash space", () => {
    const shares = new HashRing(EIGHT).shares();
    const total = [...shares.values()].reduce((a, b) => a + b, 0);
    expect(total).to.be.closeTo(1, 1e-9);
    for (const share of shares.values()) expect(share).to.be.closeTo(1 / 8, 0.0125);
  });

  it("refuses a nonsensical virtual node count", () => {
    expect(() => new HashRing(EIGHT, 0)).to.throw(RangeError);
  });
});
