import { expect } from "chai";
import { HashRing } from "../../server/ring/hash-ring.ts";
import type { Movement } from "../../server/cluster/handoff.ts";
import { RingCatchUp } from "../../server/realtime/ring-catch-up.ts";
import type { RingcastServer, RingcastSocket } from "../../server/realtime/types.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Five local sockets, a ring whose changes the test announces, and a pump that records its reads. */
function setUp() {
  let announce: (movement: Movement) => void = () => undefined;
  const handoff = {
    timings: { settleMs: 100, catchUpMs: [20, 80], followUpMs: [] },
    onMovement: (listener: (movement: Movement) => void) => {
      announce = listener;
      return () => {
        announce = () => undefined;
      };
    },
  };
  const sockets = new Map(["s1", "s2", "s3", "s4", "s5"].map((id) => [id, { id } as unknown as RingcastSocket]));
  const io = { of: () => ({ sockets }) } as unknown as RingcastServer;
  const reads: string[][] = [];
  const readSockets = (batch: Iterable<RingcastSocket>) => void reads.push([...batch].map((s) => s.id));
  const catchUp = new RingCatchUp(handoff, io, readSockets, { batchSize: 2, batchIntervalMs: 5 });
  const change = (before: string[], after: string[]) => announce({ previous: new HashRing(before), current: new HashRing(after), epoch: 1, moved: before.length > 0 });
  return { catchUp, reads, change };
}

describe("catch-up reads after a ring change", () => {
  it("re-read every local socket, in small batches, once the change settled and again later", async () => {
    const { catchUp, reads, change } = setUp();
    catchUp.start();
    change(["a", "b"], ["a", "b", "c"]);
    expect(reads).to.deep.equal([]);
    await sleep(50);
    expect(reads).to.deep.equal([["s1", "s2"], ["s3", "s4"], ["s5"]]);
    await sleep(80);
    expect(reads.flat()).to.have.length(10);
    catchUp.close();
  });

  it("skip the first ring a process sees, and stop on close", async () => {
    const { catchUp, reads, change } = setUp();
    catchUp.start();
    change([], ["a"]);
    await sleep(40);
    expect(reads).to.deep.equal([]);
    change(["a"], ["a", "b"]);
    catchUp.close();
    await sleep(120);
    expect(reads).to.deep.equal([]);
  });
});
