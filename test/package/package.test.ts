import { execFile } from "node:child_process";
import { copyFileSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { expect } from "chai";
import { Redis } from "ioredis";
import { io as connect, type Socket as ClientSocket } from "socket.io-client";
import type { LocalRedis } from "../../server/cli/local-redis.ts";
import { HashRing } from "../../server/ring/hash-ring.ts";
import { privateRedis } from "../support/redis.ts";
import { tempDir } from "../support/temp.ts";
import { ExampleProcess, killExamples } from "./example-process.ts";

const run = promisify(execFile);
const REPO = fileURLToPath(new URL("../../", import.meta.url));
const EXAMPLES = fileURLToPath(new URL("./examples/", import.meta.url));
const SECRET = "package-test-secret-of-32-characters-or-more";

/** The version the repo itself installed, so the fresh project installs from npm's cache. */
function installedVersion(name: string): string {
  return (JSON.parse(readFileSync(join(REPO, "node_modules", name, "package.json"), "utf8")) as { version: string }).version;
}

/** Two member ids whose ring puts alice and bob on different members (so the message crosses). */
function idsSplitting(a: string, b: string): [string, string] {
  for (let i = 2; i < 50; i++) {
    const ids: [string, string] = ["m1", `m${i}`];
    const ring = new HashRing(ids);
    if (ring.owner(a) !== ring.owner(b)) return ids;
  }
  throw new Error("no pair of member ids splits the two users");
}

/** What a user of the package writes in TypeScript: every entry point resolves, with types. */
const TYPES_CHECK = `
import { createServer } from "node:http";
import { Redis } from "ioredis";
import { Server } from "socket.io";
import { type BroadcastAdapterOptions, createBroadcastAdapter, createHashAdapter, type HashAdapterOptions } from "ringcast/adapter";
import { type ClusterMember, createRouter, type JoinClusterOptions, joinCluster, type RingState } from "ringcast/cluster";
import { RingcastClient } from "ringcast/client";
import type { ErrorCode } from "ringcast/protocol";

const pub = new Redis();
const broadcast: BroadcastAdapterOptions = { key: "chat", requestsTimeout: 2000 };
const hash: Partial<HashAdapterOptions> = { requestsTimeout: 1000, wideFanOut: 0.5 };
new Server(createServer(), { adapter: createBroadcastAdapter(pub, pub.duplicate(), broadcast) });
void createHashAdapter;
const options: JoinClusterOptions = { redis: pub, mode: "hash", secret: "s", userIdOf: (socket) => socket.data.userId };
// @ts-expect-error there is no such mode
const wrong: JoinClusterOptions = { redis: pub, mode: "sharded" };
async function main(): Promise<void> {
  const member: ClusterMember = await joinCluster(new Server(), options);
  member.on("+member", (id: string) => id.toUpperCase());
  member.on("ring", (ring: RingState) => ring.members.map((m) => m.url));
  const owner: { id: string; url: string } | undefined = createRouter({ redis: "redis://127.0.0.1" }).ownerOf("alice");
  const code: ErrorCode | undefined = undefined;
  void [owner, code, wrong, hash, RingcastClient];
  await member.close();
}
void main;
`;

describe("the packed package, installed in a fresh project outside the repo", function () {
  this.timeout(60_000);
  let app: string;
  let redis: LocalRedis;
  const sockets: ClientSocket[] = [];

  before(async function () {
    this.timeout(300_000);
    const packed = tempDir("pack");
    // npm pack runs `prepare` (the build): what is packed is what the sources build to now.
    await run("npm", ["pack", "--pack-destination", packed, "--silent"], { cwd: REPO, timeout: 240_000, maxBuffer: 16 << 20 });
    const tarball = join(packed, readdirSync(packed).find((f) => f.endsWith(".tgz"))!);
    app = tempDir("app");
    writeFileSync(join(app, "package.json"), JSON.stringify({ name: "ringcast-user", private: true, type: "module" }));
    const deps = ["socket.io", "socket.io-client", "ioredis", "@types/node"].map((name) => `${name}@${installedVersion(name)}`);
    // --prefer-offline: npm's cache holds these (the repo installed them); the registry only for what it lacks.
    await run("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund", "--loglevel=error", tarball, ...deps], { cwd: app, timeout: 240_000, maxBuffer: 16 << 20 });
    for (const file of readdirSync(EXAMPLES)) copyFileSync(join(EXAMPLES, file), join(app, file));
    redis = await privateRedis();
  });

  afterEach(() => {
    for (const socket of sockets.splice(0)) socket.close();
    killExamples();
  });

  after(async () => {
    killExamples();
    await redis?.stop();
  });

  it("resolves ringcast/adapter, /cluster, /client and /protocol by name, with their types", async () => {
    writeFileSync(join(app, "check.ts"), TYPES_CHECK);
    const tsconfig = { compilerOptions: { module: "nodenext", target: "es2022", strict: true, noEmit: true, types: ["node"] }, files: ["check.ts"] };
    writeFileSync(join(app, "tsconfig.json"), JSON.stringify(tsconfig));
    const tsc = join(REPO, "node_modules", ".bin", "tsc");
    const result = await run(tsc, ["-p", app], { cwd: app, timeout: 60_000 }).then(
      () => "",
      (err: { stdout?: string }) => err.stdout ?? String(err),
    );
    expect(result, "tsc errors").to.equal("");
    const { stdout } = await run(process.execPath, ["-e", 'import("ringcast/cluster").then((m) => console.log(Object.keys(m).sort().join(" ")))'], { cwd: app });
    expect(stdout.trim()).to.equal("createRouter joinCluster");
  });

  it("hash mode: two plain Socket.IO servers exchange a targeted message; io.close() returns", async () => {
    const [first, second] = idsSplitting("alice", "bob");
    const env = (id: string) => ({ REDIS_URL: redis.url, PORT: "0", MEMBER_ID: id, CLUSTER_SECRET: SECRET });
    const one = new ExampleProcess("hash-member.mjs", app, env(first));
    await one.waitFor(new RegExp(`^member ${first} at http://127\\.0\\.0\\.1:\\d+$`));
    const two = new ExampleProcess("hash-member.mjs", app, env(second));
    await two.waitFor(new RegExp(`^member ${second} at `));
    await one.waitFor(new RegExp(`^ring \\d+: ${first} ${second}$`)); // the ring event of the join

    const client = new ExampleProcess("hash-client.mjs", app, { REDIS_URL: redis.url });
    const [, alicesMember, bobsMember] = await client.waitFor(/^bob got "hi Bob" from alice \(alice on (\S+), bob on (\S+)\)$/);
    expect([alicesMember, bobsMember].sort()).to.deep.equal([first, second]);
    expect(await client.exited(), client.errors).to.equal(0);

    one.stop();
    await one.waitFor(/^closed$/); // io.close() resolved with the peer links open until then
    expect(await one.exited(), one.errors).to.equal(0); // nothing left open: the process ends by itself
    await two.waitFor(new RegExp(`^ring \\d+: ${second}$`)); // the other member saw it leave
    two.stop();
    await two.waitFor(/^closed$/);
    expect(await two.exited(), two.errors).to.equal(0);
  });

  it("broadcast mode: two plain Socket.IO servers exchange a targeted message; io.close() returns", async () => {
    const members = [0, 1].map(() => new ExampleProcess("broadcast-member.mjs", app, { REDIS_URL: redis.url, PORT: "0" }));
    const ports = await Promise.all(members.map(async (member) => (await member.waitFor(/^listening on (\d+)$/))[1]));
    await subscribed(redis.url, "ringcast:io-request#/#", 2);
    const [alice, bob] = await Promise.all([joinAs(`http://127.0.0.1:${ports[0]}`, "alice"), joinAs(`http://127.0.0.1:${ports[1]}`, "bob")]);
    const received = new Promise((resolve) => bob.once("dm", resolve));
    alice.emit("dm", "bob", "hi Bob");
    expect(await received).to.deep.equal({ from: "alice", text: "hi Bob" });
    for (const member of members) member.stop();
    for (const member of members) {
      await member.waitFor(/^closed$/);
      expect(await member.exited(), member.errors).to.equal(0);
    }
  });

  function joinAs(url: string, userId: string): Promise<ClientSocket> {
    const socket = connect(url, { auth: { userId }, forceNew: true, reconnection: false });
    sockets.push(socket);
    return new Promise((resolve, reject) => {
      socket.once("connect", () => resolve(socket));
      socket.once("connect_error", reject);
    });
  }
});

/** Waits until `count` connections subscribe to `channel` (both adapters are listening). */
async function subscribed(url: string, channel: string, count: number): Promise<void> {
  const redis = new Redis(url);
  try {
    for (let i = 0; i < 100; i++) {
      const [, subscribers] = (await redis.pubsub("NUMSUB", channel)) as [string, number];
      if (Number(subscribers) >= count) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`${channel} has fewer than ${count} subscribers`);
  } finally {
    redis.disconnect();
  }
}
