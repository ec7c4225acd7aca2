import { expect } from "chai";
import { createLogger } from "../../server/log.ts";
import { MemoryPresenceHub } from "../../server/presence/memory-presence-transport.ts";
import { PresenceDirectory } from "../../server/presence/presence-directory.ts";
import type { PresenceTiming } from "../../server/presence/presence-options.ts";
import { eventually } from "../support/clients.ts";

const log = createLogger("silent");
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const soon = (probe: () => boolean) => eventually(probe, 3000, 5);
const online = (d: PresenceDirectory, ...users: string[]) => [...d.onlineAmong(users)].sort();
const kindOf = (message: string): string => (JSON.parse(message) as { kind: string }).kind;
const fromOf = (message: string): string => (JSON.parse(message) as { from: string }).from;
const activeTimeouts = () => process.getActiveResourcesInfo().filter((r) => r === "Timeout").length;

describe("presence directory: who is online, replicated in memory", () => {
  let hub: MemoryPresenceHub;
  const directories: PresenceDirectory[] = [];

  beforeEach(() => {
    hub = new MemoryPresenceHub();
  });

  afterEach(async () => {
    await Promise.all(directories.splice(0).map((d) => d.close()));
  });

  // Periodic snapshots off by default, so each test shows which mechanism healed what.
  async function member(id: string, timing: Partial<PresenceTiming> = {}): Promise<PresenceDirectory> {
    const directory = new PresenceDirectory({ memberId: id, transport: hub.transport(id), log, flushMs: 5, snapshotMs: 60_000, ...timing });
    directories.push(directory);
    await directory.start();
    return directory;
  }

  it("two members converge on each other's users and socket counts", async () => {
    const [a, b] = [await member("a"), await member("b")];
    a.connected("u1");
    a.connected("u1");
    b.connected("u2");
    await soon(() => b.socketsOf("u1") === 2 && a.socketsOf("u2") === 1);
    expect(online(a, "u1", "u2", "u3")).to.deep.equal(["u1", "u2"]);
    expect(online(b, "u1", "u2", "u3")).to.deep.equal(["u1", "u2"]);
    expect(b.socketsOn("a", "u1")).to.equal(2);
    expect(a.socketsOn("a", "u1")).to.equal(2);
    expect(a.stats()).to.include({ status: "running", members: 1, users: 2, localUsers: 1 });
  });

  it("three members converge; a user's last disconnect removes it everywhere", async () => {
    const [a, b, c] = [await member("a"), await member("b"), await member("c")];
    a.connected("u1");
    b.connected("u1");
    c.connected("u3");
    await soon(() => [a, b, c].every((d) => d.socketsOf("u1") === 2 && d.socketsOf("u3") === 1));
    a.disconnected("u1");
    await soon(() => [a, b, c].every((d) => d.socketsOf("u1") === 1));
    b.disconnected("u1");
    b.disconnected("u1"); // one more than it had: counts never go below zero
    await soon(() => [a, b, c].every((d) => d.socketsOf("u1") === 0));
    for (const d of [a, b, c]) expect(online(d, "u1", "u3")).to.deep.equal(["u3"]);
    expect(c.stats().users).to.equal(1);
  });

  it("coalesces a flush window's changes into one message with each user's net count", async () => {
    const a = await member("a", { flushMs: 30 });
    await member("b");
    await sleep(50); // start-up snapshots and requests are out
    const before = hub.published.length;
    a.connected("u1");
    a.connected("u1");
    a.connected("u9");
    a.disconnected("u9"); // back where it was: nothing to say
    await sleep(80);
    const sent = hub.published.slice(before).filter((m) => fromOf(m) === "a");
    const bodies = sent.map((m) => JSON.parse(m) as { kind: string; users: unknown });
    expect(bodies.map(({ kind, users }) => ({ kind, users }))).to.deep.equal([{ kind: "delta", users: [["u1", 2]] }]);
  });

  it("forgetMember drops that member's users here only", async () => {
    const [a, b, c] = [await member("a"), await member("b"), await member("c")];
    a.connected("u1");
    b.connected("u2");
    await soon(() => c.socketsOf("u1") === 1 && c.socketsOf("u2") === 1 && b.socketsOf("u1") === 1);
    c.forgetMember("a");
    expect(online(c, "u1", "u2")).to.deep.equal(["u2"]);
    expect(b.socketsOf("u1")).to.equal(1);
    a.connected("u1"); // a late message of the forgotten run does not bring it back
    await soon(() => b.socketsOf("u1") === 2);
    expect(c.socketsOf("u1")).to.equal(0);
  });

  it("a lost delta is healed by the snapshot the receiver asks for when it sees the gap", async () => {
    const [a, b] = [await member("a"), await member("b")];
    await sleep(50);
    let dropped = 0;
    hub.drop = (message, to) => to === "b" && kindOf(message) === "delta" && dropped++ === 0;
    a.connected("u1"); // lost on its way to b
    await sleep(30);
    expect(b.socketsOf("u1")).to.equal(0);
    a.connected("u2"); // b sees seq jump by two
    await soon(() => b.socketsOf("u1") === 1 && b.socketsOf("u2") === 1);
    expect(dropped).to.be.greaterThan(1);
    expect(b.stats().gaps).to.equal(1);
  });

  it("a loss with nothing after it is healed by the periodic snapshot", async () => {
    const [a, b] = [await member("a", { snapshotMs: 100 }), await member("b")];
    await sleep(50);
    let dropped = 0;
    hub.drop = (message, to) => to === "b" && kindOf(message) === "delta" && dropped++ === 0;
    a.connected("u1");
    await soon(() => b.socketsOf("u1") === 1);
    expect(b.stats().gaps).to.equal(0);
  });

  it("a member that joins late gets everyone's users from their snapshots", async () => {
    const [a, b] = [await member("a"), await member("b")];
    a.connected("u1");
    b.connected("u2");
    b.connected("u2");
    await soon(() => a.socketsOf("u2") === 2);
    const c = await member("c");
    await soon(() => c.socketsOf("u1") === 1 && c.socketsOf("u2") === 2);
    c.connected("u3");
    await soon(() => a.socketsOf("u3") === 1 && b.socketsOf("u3") === 1);
  });

  it("a leaving member's goodbye drops its users at once", async () => {
    const [a, b] = [await member("a"), await member("b")];
    a.connected("u1");
    await soon(() => b.socketsOf("u1") === 1);
    await a.close();
    expect(b.socketsOf("u1")).to.equal(0);
    expect(b.stats().members).to.equal(0);
  });

  it("a member restarted under the same id replaces its old state, even if its snapshots are lost", async () => {
    const [a, b] = [await member("a"), await member("b")];
    a.connected("u5");
    await soon(() => b.socketsOf("u5") === 1);
    hub.drop = (message, to) => kindOf(message) === "bye" || (to === "b" && kindOf(message) === "snapshot" && fromOf(message) === "a");
    await a.close(); // "crashes": no goodbye reaches anyone
    const restarted = new PresenceDirectory({ memberId: "a", transport: hub.transport("a"), log, flushMs: 5, snapshotMs: 60_000 });
    directories.push(restarted);
    restarted.connected("u6");
    await restarted.start(); // its snapshots never reach b
    await sleep(30);
    expect(online(b, "u5", "u6")).to.deep.equal(["u5"]);
    restarted.connected("u7"); // a delta of a run b never saw: the old run's users go, a snapshot is asked
    await soon(() => online(b, "u5", "u6", "u7").join() === "u7");
    const asked = hub.published.map((m) => JSON.parse(m) as { kind: string; from: string; to?: string });
    expect(asked.filter((m) => m.kind === "want" && m.from === "b" && m.to === "a")).to.have.length(1);
  });

  it("a member silent for too long is dropped", async () => {
    const [a, b] = [await member("a"), await member("b", { snapshotMs: 20, silentMs: 150 })];
    a.connected("u1");
    await soon(() => b.socketsOf("u1") === 1);
    hub.drop = (message, to) => to === "b" && fromOf(message) === "a";
    await soon(() => b.socketsOf("u1") === 0 && b.stats().members === 0);
    expect(a.socketsOf("u1")).to.equal(1);
  });

  it("drops undecodable messages without throwing and keeps working", async () => {
    const [a, b] = [await member("a"), await member("b")];
    const raw = hub.transport("raw");
    await raw.start();
    for (const bad of ["not json", "{}", '{"v":1,"kind":"delta","from":"x","run":"r"}', '{"v":2,"kind":"bye","from":"a","run":"r"}', "null"]) await raw.publish(bad);
    a.connected("u1");
    await soon(() => b.socketsOf("u1") === 1);
    expect(b.stats().dropped).to.equal(5);
    await raw.close();
  });

  it("close() resolves, leaves no timer behind and publishes nothing afterwards", async () => {
    await new Promise(setImmediate); // mocha arms its own test timeout once the test went async
    const timersBefore = activeTimeouts();
    const [a, b] = [await member("a", { snapshotMs: 1000 }), await member("b", { snapshotMs: 1000 })];
    a.connected("u1");
    expect(activeTimeouts()).to.be.greaterThan(timersBefore);
    await Promise.all([a.close(), b.close()]);
    expect(a.status).to.equal("closed");
    expect(activeTimeouts()).to.equal(timersBefore);
    const published = hub.published.length;
    a.connected("u2");
    b.disconnected("u1");
    await sleep(30);
    expect(hub.published.length).to.equal(published);
    expect(activeTimeouts()).to.equal(timersBefore);
    await a.close(); // twice is fine
    const never = new PresenceDirectory({ memberId: "n", transport: hub.transport("n"), log });
    await never.close(); // closing one never started publishes nothing either
    expect(hub.published.length).to.equal(published);
  });
});
