import { createServer, type Server as HttpServer } from "node:http";
import type { RedisClient } from "../../server/redis/connect.ts";
import type { AddressInfo } from "node:net";
import { expect } from "chai";
import { Server } from "socket.io";
import { io as connect, type Socket as ClientSocket } from "socket.io-client";
import { type AdapterStats, emptyAdapterStats } from "../../server/adapter/adapter-stats.ts";
import { createHashAdapter } from "../../server/adapter/hash-adapter.ts";
import { HashRing } from "../../server/ring/hash-ring.ts";
import { eventually } from "../support/clients.ts";
import { sharedRedis, testRedisClient, uniquePrefix } from "../support/redis.ts";

const MEMBERS = ["m1", "m2", "m3"];
const ring = new HashRing(MEMBERS);

interface Node {
  id: string;
  io: Server;
  http: HttpServer;
  url: string;
  stats: AdapterStats;
  redis: RedisClient[];
  syncMembers: (ids: readonly string[]) => void;
}

/** A user id owned by `member` on the test ring (found by walking candidate ids). */
function userOwnedBy(member: string, skip = 0): string {
  for (let i = 0, found = 0; ; i++) {
    if (ring.owner(`u${i}`) === member && found++ === skip) return `u${i}`;
  }
}

describe("hash adapter: targeted delivery and the full adapter API across members", function () {
  this.timeout(20_000);
  const nodes: Node[] = [];
  const clients = new Map<string, ClientSocket>();

  before(async () => {
    const redisUrl = (await sharedRedis()).url;
    const key = uniquePrefix("hash-adapter");
    for (const id of MEMBERS) {
      const [pub, sub] = [testRedisClient(redisUrl), testRedisClient(redisUrl)];
      const stats = emptyAdapterStats();
      const adapter = createHashAdapter(pub, sub, { memberId: id, ring, key, stats, heartbeatInterval: 200, heartbeatTimeout: 60_000, wideFanOut: 1 });
      const http = createServer();
      const io = new Server(http, { adapter });
      io.on("connection", (socket) => {
        const userId = String(socket.handshake.query.userId);
        socket.data = { userId, member: id };
        socket.join(`user:${userId}`);
        socket.on("ping-me", (ack: (reply: string) => void) => ack(`pong from ${id}`));
      });
      await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
      adapter.syncMembers(MEMBERS);
      const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
      nodes.push({ id, io, http, url, stats, redis: [pub, sub], syncMembers: adapter.syncMembers });
    }
    await new Promise((r) => setTimeout(r, 300)); // let subscriptions settle
    // Two users per member, each connected to its owner.
    for (const node of nodes) {
      for (const skip of [0, 1]) {
        const userId = userOwnedBy(node.id, skip);
        const socket = connect(node.url, { query: { userId }, forceNew: true, transports: ["websocket"] });
        await new Promise<void>((resolve) => socket.once("connect", () => resolve()));
        clients.set(userId, socket);
      }
    }
  });

  after(async () => {
    for (const socket of clients.values()) socket.close();
    for (const node of nodes) {
      node.io.close();
      for (const r of node.redis) r.disconnect();
    }
  });

  const node = (id: string) => nodes.find((n) => n.id === id)!;
  const snapshot = () => nodes.map((n) => ({ ...n.stats }));
  const received = (socket: ClientSocket, event: string) => new Promise<unknown[]>((resolve) => socket.once(event, (...args) => resolve(args)));

  it("publishes a message to a user only to the user's owner", async () => {
    const target = userOwnedBy("m2");
    const before = snapshot();
    const got = received(clients.get(target)!, "direct");
    node("m1").io.to(`user:${target}`).emit("direct", "hi");
    expect(await got).to.deep.equal(["hi"]);
    const after = snapshot();
    expect(after.map((s, i) => s.received - before[i]!.received)).to.deep.equal([0, 1, 0]);
    expect(after[1]!.deliveredLocally - before[1]!.deliveredLocally).to.equal(1);
    expect(after[0]!.published - before[0]!.published).to.equal(1);
  });

  it("does not touch Redis when the recipient is on the publishing member", async () => {
    const target = userOwnedBy("m1");
    const before = snapshot();
    const got = received(clients.get(target)!, "direct");
    node("m1").io.to(`user:${target}`).emit("direct", "local");
    expect(await got).to.deep.equal(["local"]);
    await new Promise((r) => setTimeout(r, 100));
    expect(snapshot()).to.deep.equal(before);
  });

  it("publishes once per owner for a message to several users", async () => {
    const targets = [userOwnedBy("m2"), userOwnedBy("m2", 1), userOwnedBy("m3")];
    const before = snapshot();
    const got = targets.map((t) => received(clients.get(t)!, "group"));
    node("m1").io.to(targets.map((t) => `user:${t}`)).emit("group", "all of you");
    for (const g of got) expect(await g).to.deep.equal(["all of you"]);
    const after = snapshot();
    expect(after[0]!.published - before[0]!.published).to.equal(2);
    expect(after.map((s, i) => s.received - before[i]!.received)).to.deep.equal([0, 1, 1]);
  });

  it("broadcasts rooms without a routing key cluster-wide, honouring except", async () => {
    const everyone = [...clients.entries()];
    const excluded = userOwnedBy("m3");
    const seen: string[] = [];
    for (const [userId, socket] of everyone) socket.once("news", () => seen.push(userId));
    node("m2").io.except(`user:${excluded}`).emit("news", "extra");
    await eventually(() => seen.length === everyone.length - 1, 3000);
    await new Promise((r) => setTimeout(r, 100));
    expect(seen).not.to.include(excluded);
  });

  it("collects acknowledgements from every member's clients, with a timeout", async () => {
    for (const socket of clients.values()) socket.once("ask", (ack: (v: string) => void) => ack("yes"));
    const replies = await node("m1").io.timeout(3000).emitWithAck("ask");
    expect(replies).to.have.length(clients.size);
  });

  it("fetchSockets, socketsJoin, socketsLeave and disconnectSockets reach remote members", async () => {
    const remote = userOwnedBy("m3");
    const [found] = await node("m1").io.in(`user:${remote}`).fetchSockets();
    expect(found!.data).to.deep.equal({ userId: remote, member: "m3" });
    expect(await node("m1").io.fetchSockets()).to.have.length(clients.size);

    node("m1").io.in(`user:${remote}`).socketsJoin("club");
    await eventually(async () => (await node("m2").io.in("club").fetchSockets()).length === 1, 3000);
    node("m2").io.in(`user:${remote}`).socketsLeave("club");
    await eventually(async () => (await node("m1").io.in("club").fetchSockets()).length === 0, 3000);

    const victim = userOwnedBy("m2", 1);
    const reason = new Promise((resolve) => clients.get(victim)!.once("disconnect", resolve));
    node("m1").io.in(`user:${victim}`).disconnectSockets();
    expect(await reason).to.equal("io server disconnect");
    clients.delete(victim);
  });

  it("serverSideEmit reaches the other members, with and without acknowledgement; serverCount counts them", async () => {
    const heard: string[] = [];
    for (const n of nodes) {
      n.io.on("hello", (from: string, ack?: (v: string) => void) => {
        heard.push(`${n.id}<-${from}`);
        ack?.(n.id);
      });
    }
    node("m1").io.serverSideEmit("hello", "m1");
    await eventually(() => heard.length === 2, 3000);
    expect(heard.sort()).to.deep.equal(["m2<-m1", "m3<-m1"]);
    expect((await node("m2").io.serverSideEmitWithAck("hello", "m2")).sort()).to.deep.equal(["m1", "m3"]);
    expect(await node("m3").io.of("/").adapter.serverCount()).to.equal(3);
  });

  it("stops waiting for a member the registry removed", async () => {
    const dead = node("m3");
    for (const r of dead.redis) r.disconnect(); // m3 goes silent
    const pending = node("m1").io.fetchSockets();
    setTimeout(() => node("m1").syncMembers(["m1", "m2"]), 200);
    const sockets = await pending; // the 5 s request timeout would reject instead
    // m2 has one user left (the other was disconnected above); m3's never answered.
    expect(sockets.map((s) => s.data.member).sort()).to.deep.equal(["m1", "m1", "m2"]);
  });
});
