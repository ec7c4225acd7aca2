import { expect } from "chai";
import { InFlight } from "../../server/member/in-flight.ts";

describe("InFlight", () => {
  it("is settled at once when nothing is in flight", async () => {
    expect(await new InFlight().settled(Date.now() + 1000)).to.equal(true);
  });

  it("settles when the last tracked work finishes, whether it succeeded or failed", async () => {
    const inFlight = new InFlight();
    let finish!: () => void;
    let fail!: (err: Error) => void;
    const ok = inFlight.track(new Promise<void>((resolve) => (finish = resolve)));
    const bad = inFlight.track(new Promise<void>((_, reject) => (fail = reject))).catch((err: Error) => err.message);
    expect(inFlight.size).to.equal(2);
    const settled = inFlight.settled(Date.now() + 5000);
    finish();
    await ok;
    expect(inFlight.size).to.equal(1);
    fail(new Error("refused"));
    expect(await bad).to.equal("refused");
    expect(await settled).to.equal(true);
    expect(inFlight.size).to.equal(0);
  });

  it("answers false at the deadline while work is still running", async () => {
    const inFlight = new InFlight();
    void inFlight.track(new Promise(() => undefined));
    expect(await inFlight.settled(Date.now() + 20)).to.equal(false);
    expect(inFlight.size).to.equal(1);
  });
});
