import { expect } from "chai";
import { createLogger } from "../../server/log.ts";
import { PresenceDirectory } from "../../server/presence/presence-directory.ts";
import { RedisPresenceTransport } from "../../server/presence/redis-presence-transport.ts";
import { connectRedis, createRedisClient, type RedisClient } from "../../server/redis/connect.ts";
import { eventually } from "../support/clients.ts";
import { sharedRedis, testTarget, uniquePrefix } from "../support/redis.ts";

const log = createLogger("silent");
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Handle {
  directory: PresenceDirectory;
  pub: RedisClient;
  sub: RedisClient;
}

describe("presence directory over Redis pub/sub (real Redis)", function () {
  this.timeout(20_000);
  let url: string;
  let prefix: string;
  const handles: Handle[] = [];

  beforeEach(async () => {
    url = (await sharedRedis()).url;
    prefix = uniquePrefix("presence");
  });

  afterEach(async () => {
    for (const h of handles.splice(0)) {
      await h.directory.close();
      h.pub.disconnect();
      h.sub.disconnect();
    }
  });

  /** A member's directory on its own pub and sub connections, as compose.ts would give it. */
  async function member(id: string): Promise<Handle> {
    const pub = createRedisClient(testTarget(url), "pub", log);
    const sub = createRedisClient(testTarget(url), "sub", log);
    await Promise.all([connectRedis(pub), connectRedis(sub)]);
    const transport = new RedisPresenceTransport(pub, sub, { prefix, log });
    const directory = new PresenceDirectory({ memberId: id, transport, log, flushMs: 10, snapshotMs: 60_000 });
    const handle = { directory, pub, sub };
    handles.push(handle);
    await directory.start();
    return handle;
  }

  it("two members converge, and a disconnect to zero or a goodbye removes users everywhere", async () => {
    const a = (await member("a")).directory;
    a.connected("u1");
    a.connected("u1");
    const b = (await member("b")).directory; // joins late: gets a's users from a's snapshot
    b.connected("u2");
    await eventually(() => b.socketsOf("u1") === 2 && a.socketsOf("u2") === 1, 5000, 10);
    expect([...b.onlineAmong(["u1", "u2", "u3"])].sort()).to.deep.equal(["u1", "u2"]);

    a.disconnected("u1");
    a.disconnected("u1");
    await eventually(() => b.socketsOf("u1") === 0, 5000, 10);
    await b.close(); // its goodbye: a drops b's users without waiting for anything else
    await eventually(() => a.socketsOf("u2") === 0 && a.stats().members === 0, 5000, 10);
    expect(a.stats().dropped).to.equal(0);
  });

  it("a member whose subscriber reconnected asks for what it missed", async () => {
    const a = (await member("a")).directory;
    const b = await member("b");
    a.connected("u1");
    await eventually(() => b.directory.socketsOf("u1") === 1, 5000, 10);
    b.sub.disconnect(true); // b's subscription drops, then comes back by itself
    a.connected("u2"); // published while b is not listening, and nothing follows it
    await sleep(50);
    await eventually(() => b.directory.socketsOf("u2") === 1, 5000, 10);
    expect(b.directory.stats().gaps).to.equal(0); // healed by the request after the reconnect
  });
});
