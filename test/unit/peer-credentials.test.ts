import { expect } from "chai";
import { PeerCredentials } from "../../server/bus/peer-credentials.ts";

const SECRET = "a-cluster-secret-of-at-least-32-characters";

describe("peer credentials (member-to-member links)", () => {
  const credentials = new PeerCredentials(SECRET);
  const now = 1_800_000_000_000;

  it("names the member that signed it, while it is fresh", () => {
    const signed = credentials.sign("m1", now);
    expect(credentials.verify(signed, now)).to.equal("m1");
    expect(credentials.verify(signed, now + 59_000)).to.equal("m1");
  });

  it("refuses an expired credential, and one valid too far ahead", () => {
    expect(credentials.verify(credentials.sign("m1", now), now + 61_000)).to.equal(undefined);
    expect(credentials.verify(credentials.sign("m1", now + 10 * 60_000), now)).to.equal(undefined);
  });

  it("refuses one signed with another secret, a renamed member, garbage and non-strings", () => {
    const other = new PeerCredentials(`${SECRET}-other`).sign("m1", now);
    expect(credentials.verify(other, now)).to.equal(undefined);
    const renamed = credentials.sign("m1", now).replace(/^m1\./, "m2.");
    expect(credentials.verify(renamed, now)).to.equal(undefined);
    for (const bad of ["", "m1", "m1.123.abc", undefined, 42, ["m1"]]) expect(credentials.verify(bad, now)).to.equal(undefined);
  });

});
