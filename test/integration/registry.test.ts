import { expect } from "chai";
import { createLogger } from "../../server/log.ts";
import { connectionNamePrefix, connectRedis, createRedisClient, type RedisClient } from "../../server/redis/connect.ts";
import { RedisRegistry } from "../../server/registry/redis-registry.ts";
import type { Membership } from "../../server/registry/registry.ts";
import { eventually } from "../support/clients.ts";
import { killSubscribers, sharedRedis, testKeys, testTarget, uniquePrefix } from "../support/redis.ts";
import { onSubscriberLost } from "../../server/redis/resubscribed.ts";

const log = createLogger("silent");

interface Handle {
  registry: RedisRegistry;
  clients: RedisClient[];
  seen: Membership[];
}

describe("registry: leases, epochs and change announcements (real Redis)", function () {
  this.timeout(20_000);
  let url: string;
  let prefix: string;
  const handles: Handle[] = [];

  beforeEach(async () => {
    url = (await sharedRedis()).url;
    prefix = uniquePrefix("registry");
  });

  afterEach(async () => {
    for (const h of handles.splice(0)) {
      await h.registry.close();
      for (const c of h.clients) c.disconnect();
    }
  });

  async function join(id: string, timing = { heartbeatMs: 100, leaseMs: 400 }): Promise<Handle> {
    const clients = [createRedisClient(testTarget(url), "store", log), createRedisClient(testTarget(url), "watch", log, `${prefix}-${id}`)];
    await Promise.all(clients.map((c) => connectRedis(c)));
    const [store, watch] = clients as [RedisClient, RedisClient];
    const self = { id, url: () => `http://${id}`, mode: "hash" as const, socketCount: () => 0 };
    const registry = new RedisRegistry(store, watch, testKeys(url, prefix), self, timing, log);
    const handle = { registry, clients, seen: [] as Membership[] };
    registry.onChange((m) => handle.seen.push(m));
    await registry.start();
    handles.push(handle);
    return handle;
  }

  const ids = (m: Membership | undefined) => m?.members.map((x) => x.id);

  it("bumps the epoch on join and on graceful leave, and every watcher converges", async () => {
    const a = await join("a");
    expect(a.registry.current()).to.deep.include({ epoch: 1 });
    const b = await join("b");
    await eventually(() => a.registry.current()?.epoch === 2);
    expect(ids(a.registry.current())).to.deep.equal(["a", "b"]);
    expect(b.registry.current()?.epoch).to.equal(2);

    await b.registry.close();
    await eventually(() => a.registry.current()?.epoch === 3);
    expect(ids(a.registry.current())).to.deep.equal(["a"]);
    expect(a.seen.map((m) => m.epoch)).to.deep.equal([1, 2, 3]);
  });

  it("drops a member whose lease runs out (no heartbeat, no goodbye)", async () => {
    const a = await join("a");
    const c = await join("c");
    await eventually(() => ids(a.registry.current())?.length === 2);
    for (const client of c.clients) client.disconnect(); // c goes silent, as if killed
    await eventually(() => ids(a.registry.current())?.join() === "a", 5000);
    const read = await a.registry.read();
    expect(ids(read)).to.deep.equal(["a"]);
    expect(read.epoch).to.equal(a.registry.current()!.epoch);
  });

  it("catches up after its subscription was cut, without waiting for a heartbeat", async () => {
    const slow = { heartbeatMs: 60_000, leaseMs: 120_000 };
    const a = await join("a", slow);
    const [, watch] = a.clients as [RedisClient, RedisClient];
    const down = new Promise((resolve) => onSubscriberLost(watch, () => resolve(undefined)));
    expect(await killSubscribers(url, `${connectionNamePrefix("watch")}${prefix}-a`)).to.equal(1);
    await down;
    await join("b", slow); // announced while a's subscriber is reconnecting
    await eventually(() => ids(a.registry.current())?.join() === "a,b", 5000);
  });
});
