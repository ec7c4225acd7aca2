import { expect } from "chai";
import { PacedCloser } from "../../server/realtime/paced-closer.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A socket whose transport records being closed. */
class FakeSocket {
  connected = true;
  closedTransport = false;
  readonly conn = {
    close: (): void => {
      this.closedTransport = true;
    },
  };
  constructor(readonly id: string) {}
}
const socket = (id: string): FakeSocket => new FakeSocket(id);

describe("paced closer: transports closed in batches", () => {
  it("closes a batch at once and the rest after pauses, counting each", async () => {
    const sockets = ["a", "b", "c", "d", "e"].map((id) => socket(id));
    const closer = new PacedCloser({ batchSize: 2, intervalMs: 20 });
    closer.closeAll(sockets);
    expect(sockets.map((s) => s.closedTransport)).to.deep.equal([true, true, false, false, false]);
    expect(closer.pending).to.equal(3);
    await sleep(120);
    expect(sockets.every((s) => s.closedTransport)).to.equal(true);
    expect(closer.closed).to.equal(5);
  });

  it("skips sockets gone meanwhile or no longer to close, and stops on stop()", async () => {
    const [a, b, c, d] = ["a", "b", "c", "d"].map((id) => socket(id)) as [FakeSocket, FakeSocket, FakeSocket, FakeSocket];
    const keep = new Set(["b"]);
    const closer = new PacedCloser<FakeSocket>({ batchSize: 1, intervalMs: 20, stillToClose: (s) => !keep.has(s.id) });
    closer.closeAll([a, b, c, d]);
    c.connected = false;
    await sleep(70);
    closer.stop();
    const before = closer.closed;
    await sleep(80);
    expect([a.closedTransport, b.closedTransport, c.closedTransport]).to.deep.equal([true, false, false]);
    expect(closer.closed).to.equal(before);
    expect(closer.pending).to.equal(0);
  });
});
