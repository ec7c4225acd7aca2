import { expect } from "chai";
import type { ClusterMember } from "../../client/index.ts";
import { ClusterRates } from "../../web/src/cluster-rates.ts";

const member = (id: string, at: number, sent: number, delivered: number, refused: Record<string, number> = {}): ClusterMember => ({
  id,
  url: `http://${id}`,
  mode: "hash",
  sockets: 1,
  startedAt: new Date(0).toISOString(),
  lastHeartbeatAt: new Date(at).toISOString(),
  messages: { sent, delivered, refused },
});

describe("Cluster page rates", () => {
  it("computes per-member rates between heartbeats and keeps refusals for a minute, by code", () => {
    const rates = new ClusterRates();
    expect(rates.update([member("a", 0, 10, 100)], 0).size).to.equal(0); // a first heartbeat: nothing to compare
    const second = rates.update([member("a", 2000, 30, 160, { rate_limited: 4 })], 2000);
    expect(second.get("a")).to.deep.equal({ sent: 10, delivered: 30 });
    expect(rates.recentRefusals()).to.deep.equal([["rate_limited", 4]]);
    // The same heartbeat read again: zero rate, nothing counted twice.
    expect(rates.update([member("a", 2000, 30, 160, { rate_limited: 4 })], 3000).get("a")).to.deep.equal({ sent: 0, delivered: 0 });
    rates.update([member("a", 4000, 30, 160, { rate_limited: 4, forbidden: 1 })], 4000);
    expect(rates.recentRefusals()).to.deep.equal([["rate_limited", 4], ["forbidden", 1]]);
    rates.update([member("a", 70_000, 30, 160, { rate_limited: 4, forbidden: 1 })], 70_000);
    expect(rates.recentRefusals()).to.deep.equal([]);
  });
});
