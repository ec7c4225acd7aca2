import { createServer, type Server as HttpServer } from "node:http";
import type { AddressInfo } from "node:net";
import { expect } from "chai";
import { Server } from "socket.io";
import { io as connect, type Socket as ClientSocket } from "socket.io-client";
import { WebSocket } from "ws";
import { type AdapterStats, emptyAdapterStats } from "../../server/adapter/adapter-stats.ts";
import { createHashAdapter } from "../../server/adapter/hash-adapter.ts";
import { PeerCredentials } from "../../server/bus/peer-credentials.ts";
import { PEER_PATH, PeerLinks } from "../../server/bus/peer-links.ts";
import { createLogger } from "../../server/log.ts";
import { HashRing } from "../../server/ring/hash-ring.ts";
import { eventually } from "../support/clients.ts";
import { sharedRedis, testRedisClient, uniquePrefix } from "../support/redis.ts";
import { onMessageBuffer, subscribe } from "../../server/redis/pubsub.ts";
import type { RedisClient } from "../../server/redis/connect.ts";
import { HashChannels } from "../../server/adapter/hash-wire.ts";

const MEMBERS = ["p1", "p2", "p3"];
const ring = new HashRing(MEMBERS);
const SECRET = "peer-links-test-secret-of-32-characters-or-more";

interface PeerNode {
  id: string;
  io: Server;
  http: HttpServer;
  url: string;
  stats: AdapterStats;
  peers: PeerLinks;
  redis: RedisClient[];
}

function userOwnedBy(member: string): string {
  for (let i = 0; ; i++) if (ring.owner(`peer-user-${i}`) === member) return `peer-user-${i}`;
}

/**
 * Records the channel of every adapter message published through Redis under `key` to every
 * member or to one of MEMBERS (named channels, not a pattern: a Redis Cluster's sharded channels
 * have none).
 */
async function spyOn(redisUrl: string, key: string): Promise<{ channels: string[]; redis: RedisClient }> {
  const redis = testRedisClient(redisUrl);
  const channels: string[] = [];
  onMessageBuffer(redis, (channel) => channels.push(channel.toString()));
  const names = new HashChannels(key, "/");
  for (const channel of [names.all, ...MEMBERS.map((id) => names.member(id))]) await subscribe(redis, channel);
  return { channels, redis };
}

/** Opens a peer-link upgrade with these headers; resolves with the HTTP status it got. */
function tryLink(url: string, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  return new Promise((resolve) => {
    const ws = new WebSocket(`${url.replace(/^http/, "ws")}${PEER_PATH}`, { headers });
    ws.on("unexpected-response", (_req, res) => {
      let body = "";
      res.on("data", (chunk: Buffer) => (body += chunk.toString()));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    ws.on("open", () => {
      ws.close();
      resolve({ status: 101, body: "" });
    });
    ws.on("error", () => undefined);
  });
}

describe("peer links: member-to-member delivery without Redis (hash mode)", function () {
  this.timeout(20_000);
  const nodes: PeerNode[] = [];
  const clients = new Map<string, ClientSocket>();
  let spy: { channels: string[]; redis: RedisClient };
  const memberChannelMessages = () => spy.channels.filter((c) => c.includes("#m#"));

  before(async () => {
    const redisUrl = (await sharedRedis()).url;
    const key = uniquePrefix("peer-links");
    spy = await spyOn(redisUrl, key);
    const urls = new Map<string, string>();
    const log = createLogger("silent");
    for (const id of MEMBERS) {
      const [pub, sub] = [testRedisClient(redisUrl), testRedisClient(redisUrl)];
      const stats = emptyAdapterStats();
      const peers = new PeerLinks({ selfId: id, urlOf: (m) => urls.get(m), credentials: new PeerCredentials(SECRET), retryMs: 50, log });
      const http = createServer();
      const io = new Server(http, { adapter: createHashAdapter(pub, sub, { memberId: id, ring, key, stats, peers, log, heartbeatInterval: 60_000, heartbeatTimeout: 120_000 }) });
      peers.start(http);
      io.on("connection", (socket) => void socket.join(`user:${String(socket.handshake.query.userId)}`));
      await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
      const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
      urls.set(id, url);
      nodes.push({ id, io, http, url, stats, peers, redis: [pub, sub] });
    }
    for (const node of nodes) node.peers.retain(MEMBERS);
    for (const node of nodes) {
      const userId = userOwnedBy(node.id);
      const socket = connect(node.url, { query: { userId }, forceNew: true, transports: ["websocket"] });
      await new Promise<void>((resolve) => socket.once("connect", () => resolve()));
      clients.set(node.id, socket);
    }
    const linked = () => nodes.every((n) => MEMBERS.every((m) => m === n.id || n.peers.isLinked(m)));
    await eventually(linked, 5000);
    await new Promise((r) => setTimeout(r, 200)); // subscriptions settle
  });

  after(() => {
    for (const socket of clients.values()) socket.close();
    for (const node of nodes) {
      node.peers.close();
      node.io.close();
      for (const r of node.redis) r.disconnect();
    }
    spy.redis.disconnect();
  });

  const node = (id: string) => nodes.find((n) => n.id === id)!;
  const next = (socket: ClientSocket, event: string) => new Promise<unknown>((resolve) => socket.once(event, resolve));

  it("delivers a message for a user on another member over the link: nothing on its Redis channel", async () => {
    for (const target of ["p2", "p3"]) {
      const got = next(clients.get(target)!, "direct");
      node("p1").io.to(`user:${userOwnedBy(target)}`).emit("direct", `to ${target}`);
      expect(await got).to.equal(`to ${target}`);
    }
    const got = next(clients.get("p1")!, "direct");
    node("p3").io.to(`user:${userOwnedBy("p1")}`).emit("direct", "back to p1");
    expect(await got).to.equal("back to p1");
    await new Promise((r) => setTimeout(r, 100));
    expect(memberChannelMessages()).to.deep.equal([]);
    expect(node("p1").stats.published).to.equal(2);
  });

  it("publishes a message for users on most other members once, to every member, instead of once per owner", async () => {
    const got = ["p2", "p3"].map((id) => next(clients.get(id)!, "group"));
    const before = spy.channels.length;
    node("p1").io.to([`user:${userOwnedBy("p2")}`, `user:${userOwnedBy("p3")}`]).emit("group", "wide");
    for (const g of got) expect(await g).to.equal("wide");
    await new Promise((r) => setTimeout(r, 100));
    expect(spy.channels.slice(before)).to.have.length(1).and.satisfy((c: string[]) => c[0]!.endsWith("#all"));
    expect(memberChannelMessages()).to.deep.equal([]);
  });

  it("refuses a link without a valid member credential with 401 and a JSON error, and accepts a valid one", async () => {
    const url = node("p2").url;
    const missing = await tryLink(url, {});
    expect(missing.status).to.equal(401);
    expect(JSON.parse(missing.body)).to.deep.equal({ error: { code: "invalid_token", message: "peer links need a valid member credential" } });
    const forged = await tryLink(url, { "x-ringcast-peer": new PeerCredentials(`${SECRET}-guess`).sign("p1") });
    expect(forged.status).to.equal(401);
    expect((await tryLink(url, { "x-ringcast-peer": new PeerCredentials(SECRET).sign("p1") })).status).to.equal(101);
  });

  it("falls back to Redis while the link to a member is down, and delivers all the same", async () => {
    node("p3").peers.close(); // p3 stops taking links: p1's link to it closes
    await eventually(() => !node("p1").peers.isLinked("p3"), 2000);
    const got = next(clients.get("p3")!, "direct");
    node("p1").io.to(`user:${userOwnedBy("p3")}`).emit("direct", "through Redis");
    expect(await got).to.equal("through Redis");
    await eventually(() => memberChannelMessages().length === 1, 2000);
    expect(memberChannelMessages()[0]).to.match(/#m#p3$/);
  });
});
