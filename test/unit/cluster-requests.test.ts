import { expect } from "chai";
import { encode } from "notepack.io";
import { ClusterRequests, type RequestHandlers } from "../../server/adapter/cluster-requests.ts";
import { decodeEnvelope, encodeEnvelope } from "../../server/adapter/hash-wire.ts";

/** Handlers that record what happened to one request. */
function recorder(): RequestHandlers & { answers: unknown[]; outcome: string | undefined } {
  const state = {
    answers: [] as unknown[],
    outcome: undefined as string | undefined,
    answer: (data: unknown) => state.answers.push(data),
    complete: () => (state.outcome = "complete"),
    expire: (missing: number) => (state.outcome = `expired, ${missing} missing`),
  };
  return state;
}

describe("cluster requests", () => {
  const requests = new ClusterRequests();
  afterEach(() => requests.close());

  it("completes once every member answered, each answer counted once", () => {
    const r = recorder();
    const id = requests.open(["a", "b"], 60_000, r);
    requests.answer(id, "a", 1);
    requests.answer(id, "a", 1); // a duplicate does not count for b
    expect(r.outcome).to.equal(undefined);
    requests.answer(id, "c", 3); // nor does a member it did not ask
    requests.answer(id, "b", 2);
    expect(r).to.deep.include({ answers: [1, 2], outcome: "complete" });
    requests.answer(id, "b", 2);
    expect(r.answers).to.deep.equal([1, 2]);
  });

  it("stops waiting for members that left, and completes when none is left to wait for", () => {
    const [first, second] = [recorder(), recorder()];
    const one = requests.open(["a", "b"], 60_000, first);
    requests.open(["b", "c"], 60_000, second);
    requests.answer(one, "a", "from a");
    requests.forget(["b"]);
    expect(first).to.deep.include({ answers: ["from a"], outcome: "complete" });
    expect(second.outcome).to.equal(undefined);
    requests.forget(["c"]);
    expect(second).to.deep.include({ answers: [], outcome: "complete" });
  });

  it("expires after its timeout with the count of silent members, and on close", async () => {
    const [timed, open] = [recorder(), recorder()];
    const id = requests.open(["a", "b", "c"], 20, timed);
    requests.open(["a"], 60_000, open);
    requests.answer(id, "a", 1);
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(timed).to.deep.include({ answers: [1], outcome: "expired, 2 missing" });
    requests.close();
    expect(open.outcome).to.equal("expired, 1 missing");
  });

  it("completes at once a request to no member", () => {
    const r = recorder();
    requests.open([], 60_000, r);
    expect(r.outcome).to.equal("complete");
  });
});

describe("hash adapter envelopes", () => {
  it("carry the sender's member id beside the adapter's random uid", () => {
    const payload = encodeEnvelope({ type: 102, data: { requestId: "r1", rooms: ["x"] }, uid: "f00d", nsp: "/" }, "m2");
    expect(decodeEnvelope(payload)).to.deep.equal({ type: 102, data: { requestId: "r1", rooms: ["x"] }, uid: "f00d", nsp: "/", from: "m2" });
  });

  it("take the uid as the member id from members that sent none, and reject what is not a message", () => {
    expect(decodeEnvelope(encode({ type: 3, data: {}, uid: "m1", nsp: "/" }))).to.deep.include({ from: "m1" });
    expect(decodeEnvelope(encode(["m1", {}, {}]))).to.equal(undefined);
    expect(decodeEnvelope(encode({ type: "3", uid: "m1", nsp: "/" }))).to.equal(undefined);
    expect(decodeEnvelope(encode({ type: 3, uid: "m1", nsp: "/", from: 7 }))).to.equal(undefined);
    expect(() => decodeEnvelope(Buffer.from([0xc1]))).to.throw();
  });
});
