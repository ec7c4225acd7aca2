import { expect } from "chai";
import {
  type DatasetState,
  datasetProblem,
  disconnected,
  INITIAL_DATASET_STATE,
  observe,
} from "../../server/redis/dataset-state.ts";

const strict = { adoptChanged: false };

/** Feeds a series of marker readings (undefined: no marker) and returns the states and events. */
function run(readings: (string | undefined)[], policy = strict, from: DatasetState = INITIAL_DATASET_STATE) {
  let state = from;
  const events: string[] = [];
  for (const reading of readings) {
    const next = observe(state, reading, policy);
    state = next.state;
    if (next.event) events.push(next.event.kind);
  }
  return { state, events };
}

describe("dataset state (what a member knows about the data in Redis)", () => {
  it("a fresh cluster with nothing seeded is not a loss, and the first marker seen is adopted", () => {
    const fresh = run([undefined, undefined]);
    expect(fresh.state.kind).to.equal("fresh");
    expect(datasetProblem(fresh.state)).to.equal(undefined);
    const seeded = run([undefined, "m1", "m1"]);
    expect(seeded.state).to.deep.equal({ kind: "ok", known: "m1" });
    expect(seeded.events).to.deep.equal(["adopted"]);
  });

  it("a known marker that disappears is a loss, reported once, named in the problem", () => {
    const { state, events } = run(["m1", undefined, undefined, undefined]);
    expect(state.kind).to.equal("lost");
    expect(events).to.deep.equal(["adopted", "lost"]);
    expect(datasetProblem(state)).to.equal("Redis lost its data (dataset marker missing): restore it or re-seed");
  });

  it("serves again when the known marker comes back (restored data)", () => {
    const { state, events } = run(["m1", undefined, "m1"]);
    expect(state).to.deep.equal({ kind: "ok", known: "m1" });
    expect(events).to.deep.equal(["adopted", "lost", "restored"]);
  });

  it("takes on a new marker written after the loss (re-seeded)", () => {
    const { state, events } = run(["m1", undefined, "m2"]);
    expect(state).to.deep.equal({ kind: "ok", known: "m2" });
    expect(events).to.deep.equal(["adopted", "lost", "replaced"]);
  });

  it("a marker swapped for another without a gap (Redis replaced) stays refused, unless the member re-seeds itself", () => {
    const swapped = run(["m1", "m2", "m2"]);
    expect(swapped.state.kind).to.equal("lost");
    expect(swapped.events).to.deep.equal(["adopted", "lost"]);
    expect(datasetProblem(swapped.state)).to.match(/dataset marker changed from m1 to m2/);
    expect(run(["m1", "m2"], { adoptChanged: true }).state).to.deep.equal({ kind: "ok", known: "m2" });
  });

  it("after a dropped connection the data is unverified (a problem) until read again; a loss stays a loss", () => {
    const ok = run(["m1"]).state;
    const dropped = disconnected(ok);
    expect(dropped).to.deep.equal({ kind: "unverified", known: "m1" });
    expect(datasetProblem(dropped)).to.match(/checking the data/);
    expect(observe(dropped, "m1", strict).state).to.deep.equal({ kind: "ok", known: "m1" });
    expect(observe(dropped, undefined, strict).state.kind).to.equal("lost");
    const lost = run(["m1", undefined]).state;
    expect(disconnected(lost)).to.equal(lost);
    expect(disconnected({ kind: "fresh" })).to.deep.equal({ kind: "unverified", known: undefined });
  });
});
