import { expect } from "chai";
import { Cluster } from "ioredis";
import { setTimeout as sleep } from "node:timers/promises";
import { type LocalCluster, startLocalCluster } from "../../server/cli/local-cluster.ts";
import { eventually } from "../support/clients.ts";
import { tempDir } from "../support/temp.ts";

const KEYS = Array.from({ length: 100 }, (_, i) => `key:${i}`);

/** Slots per primary port, from CLUSTER SLOTS as the client sees it. */
async function slotCounts(client: Cluster): Promise<Map<number, number>> {
  const counts = new Map<number, number>();
  for (const [start, end, primary] of await client.cluster("SLOTS")) {
    const port = primary![1];
    counts.set(port, (counts.get(port) ?? 0) + end - start + 1);
  }
  return counts;
}

async function expectEveryKey(client: Cluster, keys: Map<string, string>): Promise<void> {
  const values = await Promise.all([...keys.keys()].map((key) => client.get(key)));
  expect(values).to.deep.equal([...keys.values()]);
}

describe("a local Redis Cluster (3 primaries, 1 replica each)", function () {
  this.timeout(120_000);
  let cluster: LocalCluster;
  let client: Cluster;
  /** Every key written so far, with its value. */
  const written = new Map<string, string>();

  before(async () => {
    cluster = await startLocalCluster({ dir: tempDir("cluster") });
    client = new Cluster(cluster.seeds);
  });

  after(async () => {
    client?.disconnect();
    await cluster?.stop();
  });

  it("starts 6 nodes, 3 of them primaries, and names them as seeds and env", async () => {
    expect(cluster.nodes).to.have.length(6);
    expect(cluster.seeds).to.deep.equal(cluster.nodes.map((node) => `127.0.0.1:${node.port}`));
    expect(cluster.env).to.deep.equal({ REDIS_CLUSTER_NODES: cluster.seeds.join(",") });
    expect(await cluster.primaryPorts()).to.deep.equal(cluster.nodes.slice(0, 3).map((node) => node.port));
  });

  it("stores keys across every primary's slots and reads them back", async () => {
    for (const key of KEYS) {
      await client.set(key, `value of ${key}`);
      written.set(key, `value of ${key}`);
    }
    await expectEveryKey(client, written);
    const sizes = await Promise.all(client.nodes("master").map((node) => node.dbsize()));
    expect(sizes).to.have.length(3);
    for (const size of sizes) expect(size).to.be.greaterThan(0);
  });

  it("moves 200 slots from the first primary to the second while a client keeps writing and reading", async () => {
    const [first, second] = (await cluster.primaryPorts()) as [number, number];
    const before = await slotCounts(client);
    let resharding = true;
    const errors: string[] = [];
    let ops = 0;
    // Paced so the 300 writes span the reshard, whose slot moves answer with MOVED and ASK.
    const load = (async () => {
      for (; ops < 300 && resharding; ops++) {
        const key = `live:${ops}`;
        try {
          await client.set(key, String(ops));
          written.set(key, String(ops));
          const value = await client.get(key);
          if (value !== String(ops)) errors.push(`${key} read ${value}`);
        } catch (error) {
          errors.push(`${key}: ${(error as Error).message}`);
        }
        await sleep(5);
      }
    })();
    await cluster.reshard(200).finally(() => {
      resharding = false;
    });
    await load;
    expect(errors).to.deep.equal([]);
    expect(ops).to.be.greaterThan(0);
    await eventually(async () => (await slotCounts(client)).get(first) === before.get(first)! - 200);
    expect((await slotCounts(client)).get(second)).to.equal(before.get(second)! + 200);
    await expectEveryKey(client, written);
  });

  it("kill -9 of a primary: its replica is promoted and every acknowledged key still reads", async () => {
    // Each write reached a replica before the kill, so a failover loses none of them.
    for (const primary of client.nodes("master")) expect(await primary.call("WAIT", "1", "1000")).to.equal(1);
    const [killed] = (await cluster.primaryPorts()) as [number];
    const { promoted } = await cluster.killPrimary(killed);
    const primaries = await cluster.primaryPorts();
    expect(primaries).to.have.length(3).and.include(promoted).and.not.include(killed);
    expect(cluster.nodes.find((node) => node.port === killed)?.pid).to.equal(undefined);
    await eventually(async () => {
      await expectEveryKey(client, written);
      return true;
    }, 20_000);
  });
});
