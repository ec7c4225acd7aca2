import { expect } from "chai";
import type { Context } from "koa";
import { clientAddress } from "../../server/api/client-address.ts";

/** The two things clientAddress reads of a request: its TCP peer and its X-Forwarded-For. */
function request(peer: string, forwardedFor?: string): Context {
  return { req: { socket: { remoteAddress: peer } }, get: (name: string) => (name === "X-Forwarded-For" ? (forwardedFor ?? "") : "") } as unknown as Context;
}

describe("clientAddress: the address per-address limits count", () => {
  const gateway = new Set(["127.0.0.1"]);

  it("is the TCP peer when the peer is not a trusted proxy, whatever X-Forwarded-For says", () => {
    expect(clientAddress(request("203.0.113.9", "198.51.100.1"), gateway)).to.equal("203.0.113.9");
    expect(clientAddress(request("::ffff:203.0.113.9"), gateway)).to.equal("203.0.113.9");
  });

  it("behind a trusted proxy, is the address the proxy appended last (earlier entries can be forged)", () => {
    expect(clientAddress(request("::ffff:127.0.0.1", "10.9.9.9, 198.51.100.7"), gateway)).to.equal("198.51.100.7");
    expect(clientAddress(request("127.0.0.1", "198.51.100.7"), gateway)).to.equal("198.51.100.7");
  });

  it("is the proxy itself when a trusted proxy sent no X-Forwarded-For", () => {
    expect(clientAddress(request("127.0.0.1"), gateway)).to.equal("127.0.0.1");
    expect(clientAddress(request("127.0.0.1", "198.51.100.7"), new Set())).to.equal("127.0.0.1");
  });
});
