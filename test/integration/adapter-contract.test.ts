import { expect } from "chai";
import type { Server } from "socket.io";
import { io as connect, type Socket as ClientSocket } from "socket.io-client";
import type { AdapterStats } from "../../server/adapter/adapter-stats.ts";
import type { BroadcastAdapter } from "../../server/adapter/broadcast-adapter.ts";
import type { HashAdapter } from "../../server/adapter/hash-adapter.ts";
import { HashRing } from "../../server/ring/hash-ring.ts";
import { ADAPTER_FLAVOURS, type AdapterCluster, type AdapterFlavour, startAdapterCluster } from "../support/adapter-cluster.ts";
import { eventually } from "../support/clients.ts";
import { sharedRedis, testTopology, uniquePrefix } from "../support/redis.ts";

/**
 * The adapter contract: what Socket.IO's API promises across servers, which every ringcast
 * adapter keeps, with or without peer links. Three in-process servers on one real Redis, real
 * clients, two users per server, each on the server that owns it in hash mode.
 */
const IDS = ["m1", "m2", "m3"];
const ring = new HashRing(IDS);
/** Short, so a dead member's cost is seen well below socket.io-adapter's fixed 5 s. */
const REQUESTS_TIMEOUT = 1000;

/** The `nth` user id the ring gives to `member`. */
function userOf(member: string, nth: number): string {
  for (let i = 0, found = 0; i < 10_000; i++) if (ring.owner(`cu${i}`) === member && found++ === nth) return `cu${i}`;
  throw new Error(`no user for ${member}`);
}

/** Whether `promise` settles (either way) within `ms`. */
async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  const settled = promise.then(() => true as const, () => true as const);
  try {
    return await Promise.race([settled, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/** Every event `name` the client gets, with its first argument. */
function record(socket: ClientSocket, name: string): unknown[] {
  const seen: unknown[] = [];
  socket.on(name, (value: unknown) => seen.push(value));
  return seen;
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const adapterOf = (io: Server) => io.of("/").adapter as BroadcastAdapter | HashAdapter;

for (const flavour of ADAPTER_FLAVOURS) contract(flavour);

function contract(flavour: AdapterFlavour): void {
  describe(`adapter contract: ${flavour}`, function () {
    this.timeout(30_000);
    let cluster: AdapterCluster;
    const clients = new Map<string, ClientSocket>();
    const io = (id: string) => cluster.members.find((m) => m.id === id)!.io;
    const client = (member: string, nth: number) => clients.get(userOf(member, nth))!;
    // On a Redis Cluster broadcast mode is @socket.io/redis-adapter's sharded adapter, which has
    // no allRooms() and whose own traffic ringcast does not count (see the README).
    const sharded = flavour === "broadcast" && testTopology() === "cluster";
    const allRooms = (id: string) => adapterOf(io(id)).allRooms();

    before(async () => {
      const redisUrl = (await sharedRedis()).url;
      cluster = await startAdapterCluster(flavour, { redisUrl, key: uniquePrefix("adapter-contract"), ids: IDS, requestsTimeout: REQUESTS_TIMEOUT });
      for (const member of cluster.members) {
        member.io.on("connection", (socket) => {
          const userId = String(socket.handshake.query.userId);
          socket.data = { userId, member: member.id };
          socket.join(`user:${userId}`);
          if (socket.handshake.query.club === "yes") socket.join("club");
        });
      }
      for (const id of IDS) {
        for (const nth of [0, 1]) {
          const userId = userOf(id, nth);
          const url = cluster.members.find((m) => m.id === id)!.url;
          const socket = connect(url, { query: { userId, club: nth === 0 ? "yes" : "no" }, forceNew: true, transports: ["websocket"] });
          socket.on("ask", (ack: (reply: string) => void) => ack(userId));
          await new Promise<void>((resolve) => socket.once("connect", () => resolve()));
          clients.set(userId, socket);
        }
      }
    });

    after(async () => {
      for (const socket of clients.values()) socket.close();
      await cluster?.close();
    });

    it("rooms: an emit to users' rooms reaches those users only, on any member", async () => {
      const seen = IDS.flatMap((id) => [0, 1].map((nth) => ({ user: userOf(id, nth), got: record(client(id, nth), "direct") })));
      io("m1").to(`user:${userOf("m2", 0)}`).emit("direct", "one");
      io("m1").to([`user:${userOf("m2", 1)}`, `user:${userOf("m3", 0)}`, `user:${userOf("m1", 1)}`]).emit("direct", "three");
      await eventually(() => seen.reduce((n, s) => n + s.got.length, 0) === 4, 5000);
      await pause(100);
      const byUser = Object.fromEntries(seen.map((s) => [s.user, s.got]));
      expect(byUser).to.deep.equal({
        [userOf("m1", 0)]: [],
        [userOf("m1", 1)]: ["three"],
        [userOf("m2", 0)]: ["one"],
        [userOf("m2", 1)]: ["three"],
        [userOf("m3", 0)]: ["three"],
        [userOf("m3", 1)]: [],
      });
    });

    it("except: a room emit skips the excluded users, cluster-wide", async () => {
      const seen = IDS.map((id) => record(client(id, 0), "news"));
      const outsider = record(client("m1", 1), "news");
      io("m2").to("club").except(`user:${userOf("m3", 0)}`).emit("news", "club only");
      await eventually(() => seen[0]!.length + seen[1]!.length === 2, 5000);
      await pause(100);
      expect(seen).to.deep.equal([["club only"], ["club only"], []]);
      expect(outsider).to.deep.equal([]);
    });

    it("acks: emitWithAck gathers every client's answer across members, and times out on silence", async () => {
      const replies = await io("m1").timeout(3000).emitWithAck("ask");
      expect([...replies].sort()).to.deep.equal([...clients.keys()].sort());
      expect(await io("m3").to(`user:${userOf("m2", 1)}`).timeout(3000).emitWithAck("ask")).to.deep.equal([userOf("m2", 1)]);
      const unanswered = io("m1").to("club").timeout(300).emitWithAck("nobody-answers");
      expect(await unanswered.then(() => "answered", (err: unknown) => err)).to.be.instanceOf(Error);
    });

    it("fetchSockets: finds sockets on every member, with their data, and can emit to a remote one", async () => {
      expect(await io("m1").fetchSockets()).to.have.length(clients.size);
      const [remote] = await io("m1").in(`user:${userOf("m3", 1)}`).fetchSockets();
      expect(remote!.data).to.deep.equal({ userId: userOf("m3", 1), member: "m3" });
      expect([...remote!.rooms]).to.include(`user:${userOf("m3", 1)}`);
      const got = new Promise((resolve) => client("m3", 1).once("remote", resolve));
      remote!.emit("remote", "through the adapter");
      expect(await got).to.equal("through the adapter");
    });

    it("socketsJoin and socketsLeave: move remote sockets in and out of rooms; allRooms sees it", async () => {
      const user = userOf("m3", 1);
      io("m1").in(`user:${user}`).socketsJoin("vip");
      await eventually(async () => (await io("m2").in("vip").fetchSockets()).length === 1, 5000);
      if (!sharded) expect([...(await allRooms("m2"))]).to.include("vip");
      io("m2").in("vip").socketsLeave("vip");
      await eventually(async () => (await io("m1").in("vip").fetchSockets()).length === 0, 5000);
      if (!sharded) expect([...(await allRooms("m1"))]).not.to.include("vip");
    });

    it("allRooms: every member's rooms, from any member", async function () {
      if (sharded) this.skip();
      const rooms = await allRooms("m2");
      for (const user of clients.keys()) expect(rooms.has(`user:${user}`), user).to.equal(true);
      expect(rooms.has("club")).to.equal(true);
    });

    it("serverSideEmit reaches the other members, with and without acks; serverCount counts them", async () => {
      const heard: string[] = [];
      for (const member of cluster.members) {
        member.io.on("hello", (from: string, ack?: (reply: string) => void) => {
          heard.push(`${member.id}<-${from}`);
          ack?.(member.id);
        });
      }
      io("m1").serverSideEmit("hello", "m1");
      await eventually(() => heard.length === 2, 5000);
      expect([...heard].sort()).to.deep.equal(["m2<-m1", "m3<-m1"]);
      expect([...(await io("m2").serverSideEmitWithAck("hello", "m2"))].sort()).to.deep.equal(["m1", "m3"]);
      for (const id of IDS) expect(await adapterOf(io(id)).serverCount(), id).to.equal(3);
    });

    it("disconnectSockets: closes a remote member's socket", async () => {
      const victim = connect(cluster.members[1]!.url, { query: { userId: "victim" }, forceNew: true, transports: ["websocket"] });
      await new Promise<void>((resolve) => victim.once("connect", () => resolve()));
      const reason = new Promise((resolve) => victim.once("disconnect", resolve));
      io("m3").in("user:victim").disconnectSockets();
      expect(await reason).to.equal("io server disconnect");
      victim.close();
    });

    it("stats: the sender counts what it publishes; members count what they receive and what reaches a socket", async function () {
      if (sharded) this.skip();
      const before = cluster.members.map((m) => ({ ...m.stats }));
      const got = new Promise((resolve) => client("m2", 0).once("counted", resolve));
      io("m1").to(`user:${userOf("m2", 0)}`).emit("counted", 1);
      await got;
      await pause(100);
      const delta = (field: keyof AdapterStats) => cluster.members.map((m, i) => m.stats[field] - before[i]![field]);
      expect(delta("published")).to.deep.equal([1, 0, 0]);
      // Broadcasting makes every other member hear it; hashing only the owner.
      expect(delta("received")).to.deep.equal(flavour === "broadcast" ? [0, 1, 1] : [0, 1, 0]);
      expect(delta("deliveredLocally")).to.deep.equal([0, 1, 0]);
    });

    it("a member that died: requests complete within requestsTimeout, and once it is gone, without it", async () => {
      cluster.members[2]!.kill();
      const requests: Promise<unknown>[] = [io("m1").fetchSockets(), io("m1").serverSideEmitWithAck("hello", "m1")];
      if (!sharded) requests.push(allRooms("m1"));
      for (const request of requests) request.catch(() => undefined);
      // The sharded adapter waits its own fixed 5 s (requestsTimeout is not one of its options) and
      // forgets a member after its heartbeat timeout (10 s).
      const [timeout, forgotten] = sharded ? [5000, 15_000] : [REQUESTS_TIMEOUT, 5000];
      for (const request of requests) expect(await settlesWithin(request, timeout + 2000)).to.equal(true);
      cluster.forget("m3");
      await eventually(async () => (await adapterOf(io("m1")).serverCount()) === 2, forgotten);
      const sockets = await io("m1").fetchSockets();
      expect(sockets.map((s) => s.data.member).sort()).to.deep.equal(["m1", "m1", "m2", "m2"]);
      expect(await io("m2").serverSideEmitWithAck("hello", "m2")).to.deep.equal(["m1"]);
      if (sharded) return;
      const rooms = await allRooms("m1");
      expect(rooms.has(`user:${userOf("m2", 0)}`) && !rooms.has(`user:${userOf("m3", 0)}`)).to.equal(true);
    });
  });
}
