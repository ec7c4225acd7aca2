import { expect } from "chai";
import { groupPrefix, keySlot, logGroups } from "../../server/redis/log-groups.ts";

describe("log groups", () => {
  it("computes Redis Cluster hash slots, hash tags included", () => {
    // Values from the Redis Cluster specification and redis-cli CLUSTER KEYSLOT.
    expect(keySlot("foo")).to.equal(12182);
    expect(keySlot("123456789")).to.equal(12739);
    expect(keySlot("{user1000}.following")).to.equal(keySlot("{user1000}.followers"));
    // An empty first tag: the whole key is hashed (so not the slot of "bar").
    expect(keySlot("foo{}{bar}")).to.not.equal(keySlot("bar"));
  });

  it("gives each group a hash tag among the first slots of its share (where a primary's range starts)", () => {
    for (const count of [2, 3, 6, 16]) {
      const width = 16384 / count;
      for (let g = 0; g < count; g++) {
        const slot = keySlot(groupPrefix("{ringcast}", g, count));
        expect(slot, `group ${g} of ${count}`).to.be.within(Math.ceil(width * g), Math.ceil(width * g) + 255);
      }
    }
    // redis-cli --cluster create over 3 primaries: 0-5460, 5461-10922, 10923-16383.
    const primaries = [0, 1, 2].map((g) => keySlot(groupPrefix("app", g, 3))).map((slot) => (slot <= 5460 ? 0 : slot <= 10922 ? 1 : 2));
    expect(primaries).to.deep.equal([0, 1, 2]);
  });

  it("keeps the deployment's prefix in its group keys, and one group's keys are the deployment's", () => {
    const groups = logGroups("{app}", 3);
    expect(groups.keys(1).classLog("c")).to.match(/^\{app:g1\.\d+\}:log:class:c$/);
    expect(logGroups("{app}", 1).keys(0).classLog("c")).to.equal("{app}:log:class:c");
    expect(logGroups("{app}", 1).of("anyone")).to.equal(0);
  });

  it("puts every user in one group, spread evenly, and reads a message id's group from its sequence", () => {
    const groups = logGroups("ringcast", 3);
    const counts = [0, 0, 0];
    for (let i = 0; i < 3000; i++) counts[groups.of(`u${i}`)]! += 1;
    for (const n of counts) expect(n).to.be.within(850, 1150);
    expect(groups.of("u7")).to.equal(groups.of("u7"));
    expect(groups.keysOf("u7").userClasses("u7")).to.equal(groups.keys(groups.of("u7")).userClasses("u7"));
    expect([groups.ofId("1700000000000-0"), groups.ofId("1700000000000-4"), groups.ofId("1700000000000-8")]).to.deep.equal([0, 1, 2]);
  });

  it("refuses a count that is not a whole number of at least 1", () => {
    expect(() => logGroups("ringcast", 0)).to.throw(/at least 1/);
    expect(() => logGroups("ringcast", 1.5)).to.throw(/at least 1/);
  });
});
