import { expect } from "chai";
import { Emitter } from "../../client/emitter.ts";
import { compareIds, MESSAGE_ID_PATTERN } from "../../protocol/message-id.ts";

class Counter extends Emitter<{ tick: (n: number) => void; done: () => void }> {
  fire(n: number): void {
    this.emit("tick", n);
  }
}

describe("client library: pure parts", () => {
  it("orders message ids by time, then sequence (not as strings)", () => {
    expect(compareIds("1795000000000-2", "1795000000000-10")).to.be.lessThan(0);
    expect(compareIds("1795000000001-0", "1795000000000-99")).to.be.greaterThan(0);
    // Agrees with a numeric comparison on ids of every shape.
    const ids = ["0-0", "0-1", "9-0", "10-0", "10-9", "10-10", "99-100", "100-0", "1795000000000-0", "1795000000000-1", "1795000000001-0"];
    for (const a of ids) {
      for (const b of ids) {
        const [ams, aseq] = a.split("-").map(Number) as [number, number];
        const [bms, bseq] = b.split("-").map(Number) as [number, number];
        expect(Math.sign(compareIds(a, b)), `${a} vs ${b}`).to.equal(Math.sign(ams - bms || aseq - bseq));
      }
    }
    expect(MESSAGE_ID_PATTERN.test("01-0")).to.equal(false); // one spelling per id
    expect(compareIds("1795000000000-3", "1795000000000-3")).to.equal(0);
    expect(["1-0", "0-0", "1795320000000-12"].every((id) => MESSAGE_ID_PATTERN.test(id))).to.equal(true);
    expect(["", "1795", "a-1", "1-1-1", "-1"].some((id) => MESSAGE_ID_PATTERN.test(id))).to.equal(false);
  });

  it("emitter: listeners run in order, can be removed, and one that throws does not stop the others", async () => {
    const counter = new Counter();
    const seen: string[] = [];
    const thrown: unknown[] = [];
    // The broken listener's error is rethrown outside emit(); catch it here instead of mocha.
    const mochaHandlers = process.listeners("uncaughtException");
    process.removeAllListeners("uncaughtException");
    process.on("uncaughtException", (err) => thrown.push(err));
    try {
      counter.on("tick", () => {
        throw new Error("a broken listener");
      });
      const off = counter.on("tick", (n) => seen.push(`a${n}`));
      counter.on("tick", (n) => seen.push(`b${n}`));
      counter.fire(1);
      off();
      counter.fire(2);
      await new Promise((r) => setImmediate(r));
    } finally {
      process.removeAllListeners("uncaughtException");
      for (const handler of mochaHandlers) process.on("uncaughtException", handler);
    }
    expect(seen).to.deep.equal(["a1", "b1", "b2"]);
    expect(thrown.map((e) => (e as Error).message)).to.deep.equal(["a broken listener", "a broken listener"]);
  });
});
