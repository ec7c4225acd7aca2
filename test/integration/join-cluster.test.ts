import { createServer } from "node:http";
import type { RedisClient } from "../../server/redis/connect.ts";
import type { AddressInfo } from "node:net";
import { expect } from "chai";
import { Server } from "socket.io";
import { io as connect, type Socket as ClientSocket } from "socket.io-client";
import { createRouter } from "../../server/cluster/router.ts";
import type { ClusterMember } from "../../server/cluster/cluster-member.ts";
import { joinCluster } from "../../server/cluster/join-cluster.ts";
import { HashRing } from "../../server/ring/hash-ring.ts";
import { eventually } from "../support/clients.ts";
import { sharedRedis, testRedisClient, testTopology, uniquePrefix } from "../support/redis.ts";

const SECRET = "join-cluster-test-secret-of-32-characters";

interface Node {
  io: Server;
  member: ClusterMember;
  url: string;
}

/** What an application gives for the tests' Redis: its URL, or on a Redis Cluster a (lazy) Cluster client. */
function appRedis(redisUrl: string): RedisClient | string {
  return testTopology() === "cluster" ? testRedisClient(redisUrl, { lazyConnect: true }) : redisUrl;
}

/** A plain Socket.IO app: each socket in its user's room, "dm" emits to another user's room. */
async function startNode(id: string, options: { redisUrl: string; prefix: string; mode: "hash" | "broadcast"; secret?: string; client?: RedisClient }): Promise<Node> {
  const http = createServer();
  const io = new Server(http);
  io.on("connection", (socket) => {
    const me = String(socket.handshake.auth.userId);
    void socket.join(`user:${me}`);
    socket.on("dm", (to: string, text: string) => io.to(`user:${to}`).emit("dm", { from: me, text }));
  });
  await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
  const { redisUrl, client, ...rest } = options;
  const member = await joinCluster(io, { redis: client ?? appRedis(redisUrl), id, heartbeatMs: 200, leaseMs: 1000, ...rest });
  return { io, member, url: `http://127.0.0.1:${(http.address() as AddressInfo).port}` };
}

function client(url: string, userId: string): Promise<ClientSocket> {
  const socket = connect(url, { auth: { userId }, forceNew: true, reconnection: false, transports: ["websocket"] });
  return new Promise((resolve, reject) => {
    socket.once("connect", () => resolve(socket));
    socket.once("connect_error", (err) => {
      socket.close();
      reject(err);
    });
  });
}

/** Resolves false if `run` has not settled within `ms`: a hang, not a timing. */
async function settlesWithin(run: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  const done = await Promise.race([run.then(() => true as const), hang]);
  clearTimeout(timer);
  return done;
}

function userOwnedBy(ring: HashRing, member: string): string {
  for (let i = 0; i < 10_000; i++) if (ring.owner(`user-${i}`) === member) return `user-${i}`;
  throw new Error(`no user owned by ${member}`);
}

describe("joinCluster: a plain Socket.IO server as a cluster member", function () {
  this.timeout(30_000);
  const sockets: ClientSocket[] = [];
  const nodes: Node[] = [];

  afterEach(async () => {
    for (const socket of sockets.splice(0)) socket.close();
    await Promise.all(nodes.splice(0).map((node) => node.member.close()));
  });

  it("hash mode: a targeted emit crosses members over a peer link, and io.close() alone returns", async () => {
    const { url: redisUrl } = await sharedRedis();
    const prefix = uniquePrefix("join-cluster");
    const [a, b] = [await startNode("a", { redisUrl, prefix, mode: "hash", secret: SECRET }), await startNode("b", { redisUrl, prefix, mode: "hash", secret: SECRET })];
    nodes.push(a, b);
    const ring = new HashRing(["a", "b"]);
    await eventually(() => a.member.ring.members.length === 2 && a.member.linkedPeers().includes("b") && b.member.linkedPeers().includes("a"), 5000);
    const [onA, onB] = [userOwnedBy(ring, "a"), userOwnedBy(ring, "b")];
    expect(a.member.ownerOf(onB)).to.deep.equal({ id: "b", url: b.url });

    const [sender, receiver] = [await client(a.url, onA), await client(b.url, onB)];
    sockets.push(sender, receiver);
    const got = new Promise((resolve) => receiver.once("dm", resolve));
    sender.emit("dm", onB, "hello");
    expect(await got).to.deep.equal({ from: onA, text: "hello" });

    const left = new Promise((resolve) => a.member.once("-member", resolve));
    expect(await settlesWithin(b.io.close(), 5000), "io.close() returned").to.equal(true);
    expect(b.member.status).to.equal("closed");
    expect(await left).to.equal("b");
    expect(a.member.ring.members.map((m) => m.id)).to.deep.equal(["a"]);
  });

  it("hash mode: refuses a user another member owns, naming the owner; the router agrees", async () => {
    const { url: redisUrl } = await sharedRedis();
    const prefix = uniquePrefix("join-cluster");
    const [a, b] = [await startNode("a", { redisUrl, prefix, mode: "hash" }), await startNode("b", { redisUrl, prefix, mode: "hash" })];
    nodes.push(a, b);
    await eventually(() => a.member.ring.members.length === 2 && b.member.ring.members.length === 2, 5000);
    const onB = userOwnedBy(new HashRing(["a", "b"]), "b");
    const refusal = await client(a.url, onB).then(
      (socket) => {
        sockets.push(socket);
        return undefined;
      },
      (err: Error & { data?: unknown }) => err.data,
    );
    expect(refusal).to.deep.include({ code: "wrong_member", owner: { id: "b", url: b.url } });

    const router = createRouter({ redis: appRedis(redisUrl), prefix });
    try {
      await router.start();
      expect(router.ownerOf(onB)).to.deep.equal({ id: "b", url: b.url });
      expect(router.ring.members.map((m) => m.id)).to.deep.equal(["a", "b"]);
    } finally {
      await router.close();
    }
  });

  it("hash mode: a join moves the sockets whose owner changed, and only those", async () => {
    const { url: redisUrl } = await sharedRedis();
    const prefix = uniquePrefix("join-cluster");
    const a = await startNode("a", { redisUrl, prefix, mode: "hash" });
    nodes.push(a);
    const ring = new HashRing(["a", "b"]);
    const [staying, moving] = [await client(a.url, userOwnedBy(ring, "a")), await client(a.url, userOwnedBy(ring, "b"))];
    sockets.push(staying, moving);
    const joined = new Promise((resolve) => a.member.once("+member", resolve));
    const moved = new Promise((resolve) => moving.once("disconnect", resolve));
    // b's connections are duplicates of an application's client, which stays the application's.
    const appRedis = testRedisClient(redisUrl);
    const b = await startNode("b", { redisUrl, prefix, mode: "hash", client: appRedis });
    expect(await joined).to.equal("b");
    expect(await moved).to.equal("transport close");
    expect(staying.connected).to.equal(true);
    expect(a.member.moved).to.equal(1);
    await b.member.close();
    expect(await appRedis.ping()).to.equal("PONG");
    appRedis.disconnect();
  });

  it("broadcast mode: an emit reaches a user on another member, and io.close() alone returns", async () => {
    const { url: redisUrl } = await sharedRedis();
    const prefix = uniquePrefix("join-cluster");
    const [a, b] = [await startNode("a", { redisUrl, prefix, mode: "broadcast" }), await startNode("b", { redisUrl, prefix, mode: "broadcast" })];
    nodes.push(a, b);
    const [sender, receiver] = [await client(a.url, "alice"), await client(b.url, "bob")];
    sockets.push(sender, receiver);
    await eventually(() => a.member.ring.members.length === 2, 5000);
    const got = new Promise((resolve) => receiver.once("dm", resolve));
    sender.emit("dm", "bob", "hi");
    expect(await got).to.deep.equal({ from: "alice", text: "hi" });
    expect(await settlesWithin(a.io.close(), 5000), "io.close() returned").to.equal(true);
    expect(a.member.status).to.equal("closed");
    const rejections: unknown[] = [];
    const record = (reason: unknown) => rejections.push(reason);
    process.on("unhandledRejection", record);
    try {
      await b.member.close();
      await b.io.close(); // again, after the member closed: no adapter left on a quit connection
      await new Promise((resolve) => setTimeout(resolve, 200));
    } finally {
      process.off("unhandledRejection", record);
    }
    expect(rejections.map(String)).to.deep.equal([]);
  });
});
