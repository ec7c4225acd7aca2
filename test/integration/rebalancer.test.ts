import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { expect } from "chai";
import { Server } from "socket.io";
import { io as connect, type Socket } from "socket.io-client";
import { createLogger } from "../../server/log.ts";
import { Handoff } from "../../server/cluster/handoff.ts";
import { Rebalancer } from "../../server/realtime/rebalancer.ts";
import type { RingcastServer } from "../../server/realtime/types.ts";
import type { Membership } from "../../server/registry/registry.ts";
import { HashRing } from "../../server/ring/hash-ring.ts";
import { RingView } from "../../server/ring/ring-view.ts";
import { eventually } from "../support/clients.ts";

/** A membership source the test drives (the registry's contract: onChange with each new epoch). */
class Announcer {
  private listener: ((m: Membership) => void) | undefined;
  onChange(listener: (m: Membership) => void): () => void {
    this.listener = listener;
    return () => undefined;
  }
  announce(epoch: number, ids: string[]): void {
    const members = ids.map((id) => ({ id, url: `http://${id}`, mode: "hash" as const, sockets: 0, startedAt: "", lastHeartbeatAt: "" }));
    this.listener?.({ epoch, members });
  }
}

const USERS = Array.from({ length: 40 }, (_, i) => `u${i}`);

describe("rebalancer: closing transports after a ring change", function () {
  this.timeout(20_000);

  async function scenario(strategy: "moved" | "all", initial = ["a"]) {
    const announcer = new Announcer();
    const ring = new RingView(announcer);
    const handoff = new Handoff(ring, "a");
    handoff.start();
    announcer.announce(1, initial);
    const http = createServer();
    const io: RingcastServer = new Server(http);
    io.use((socket, next) => {
      socket.data = { userId: String(socket.handshake.query.userId), name: "", role: "student", cursor: "0-0" };
      next();
    });
    await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
    const rebalancer = new Rebalancer(io, handoff, { selfId: "a", strategy, batchSize: 7, intervalMs: 20, log: createLogger("silent") });
    rebalancer.start();
    const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
    const reasons = new Map<string, string>();
    const clients: Socket[] = await Promise.all(
      USERS.map(async (userId) => {
        const socket = connect(url, { query: { userId }, forceNew: true, reconnection: false, transports: ["websocket"] });
        socket.on("disconnect", (reason) => reasons.set(userId, reason));
        await new Promise<void>((resolve) => socket.once("connect", () => resolve()));
        return socket;
      }),
    );
    return {
      announcer,
      reasons,
      rebalancer,
      async done() {
        rebalancer.close();
        for (const c of clients) c.close();
        io.close();
      },
    };
  }

  it("moved: closes exactly the sockets whose user now belongs to the newcomer, as 'transport close'", async () => {
    const s = await scenario("moved");
    try {
      const moved = USERS.filter((u) => new HashRing(["a", "b"]).owner(u) === "b");
      expect(moved.length).to.be.within(5, 35);
      s.announcer.announce(2, ["a", "b"]);
      await eventually(() => s.reasons.size === moved.length, 5000, 20);
      await new Promise((r) => setTimeout(r, 200));
      expect([...s.reasons.keys()].sort()).to.deep.equal(moved.sort());
      expect(new Set(s.reasons.values())).to.deep.equal(new Set(["transport close"]));
      expect(s.rebalancer.closedTotal).to.equal(moved.length);
    } finally {
      await s.done();
    }
  });

  it("all: closes every socket when a member joins, but nothing when one leaves", async () => {
    const s = await scenario("all");
    try {
      s.announcer.announce(2, ["a", "z"]);
      await eventually(() => s.reasons.size === USERS.length, 5000, 20);
      expect(new Set(s.reasons.values())).to.deep.equal(new Set(["transport close"]));
    } finally {
      await s.done();
    }
    const t = await scenario("all", ["a", "b"]);
    try {
      t.announcer.announce(2, ["a"]); // b leaves: a now owns everyone here, nobody has to move
      await new Promise((r) => setTimeout(r, 300));
      expect(t.rebalancer.closedTotal).to.equal(0);
      expect(t.reasons.size).to.equal(0);
    } finally {
      await t.done();
    }
  });

  it("moves a socket whose handshake was still running when the ring changed", async () => {
    const announcer = new Announcer();
    const ring = new RingView(announcer);
    const handoff = new Handoff(ring, "a");
    handoff.start();
    announcer.announce(1, ["a"]);
    const userId = USERS.find((u) => new HashRing(["a", "b"]).owner(u) === "b")!;
    const http = createServer();
    const io: RingcastServer = new Server(http);
    const rebalancer = new Rebalancer(io, handoff, { selfId: "a", strategy: "moved", batchSize: 7, intervalMs: 20, log: createLogger("silent") });
    rebalancer.start();
    let release!: () => void;
    let inHandshake!: () => void;
    const arrived = new Promise<void>((resolve) => (inHandshake = resolve));
    io.use((socket, next) => {
      socket.data = { userId, name: "", role: "student", cursor: "0-0" };
      inHandshake();
      release = () => next();
    });
    const admitted: boolean[] = [];
    io.on("connection", (socket) => admitted.push(rebalancer.admit(socket)));
    await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
    const client = connect(`http://127.0.0.1:${(http.address() as AddressInfo).port}`, { forceNew: true, reconnection: false, transports: ["websocket"] });
    const reasons: string[] = [];
    client.on("disconnect", (reason) => reasons.push(reason));
    try {
      await arrived;
      announcer.announce(2, ["a", "b"]); // handled while the socket is not listed yet
      release();
      await eventually(() => reasons.length === 1, 5000, 20);
      expect(reasons).to.deep.equal(["transport close"]);
      expect(admitted).to.deep.equal([false]);
    } finally {
      rebalancer.close();
      client.close();
      io.close();
    }
  });
});
