import { expect } from "chai";
import { Redis } from "ioredis";
import { RateLimitedError, RingcastError } from "../../server/errors.ts";
import { ClusterLimit, limitKeyPrefix } from "../../server/limits/rate-limits.ts";
import { sharedRedis, uniquePrefix } from "../support/redis.ts";

describe("ClusterLimit (rate-limiter-flexible, Redis store)", () => {
  let redis: Redis;
  let prefix: string;

  before(async () => {
    redis = new Redis((await sharedRedis()).url);
    await redis.ping(); // ready: the limiter refuses at once while its client is not
    prefix = uniquePrefix("rate-limits");
  });
  after(() => redis.disconnect());

  const limit = (points: number) => new ClusterLimit(redis, limitKeyPrefix(prefix, `t${points}`), { points, seconds: 60 }, "tries", "trying");

  it("allows N uses per window and refuses the next with rate_limited and the wait", async () => {
    const tries = limit(3);
    for (let i = 0; i < 3; i++) await tries.consume("a");
    const refused = await tries.consume("a").catch((e: unknown) => e);
    expect(refused).to.be.instanceOf(RateLimitedError);
    expect((refused as RateLimitedError).retryAfterMs).to.be.within(1, 60_000);
    await tries.consume("b"); // another key has its own budget
  });

  it("keeps its counters under the cluster's prefix, expiring", async () => {
    await limit(4).consume("k");
    expect(await redis.ttl(`${prefix}:limit:t4:k`)).to.be.within(1, 60);
  });

  it("refuseIfSpent reads without counting; forget gives the budget back", async () => {
    const tries = limit(2);
    await tries.refuseIfSpent("u");
    await tries.consume("u");
    await tries.refuseIfSpent("u");
    await tries.consume("u");
    expect(await tries.refuseIfSpent("u").catch((e: unknown) => e)).to.be.instanceOf(RateLimitedError);
    await tries.forget("u");
    await tries.refuseIfSpent("u");
  });

  it("refuses with service_unavailable (503), not an internal error, when Redis cannot count", async () => {
    const away = new Redis({ port: 1, lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0 });
    const tries = new ClusterLimit(away, "p", { points: 5, seconds: 60 }, "tries", "trying");
    for (const attempt of [tries.consume("a"), tries.refuseIfSpent("a")]) {
      const err = await attempt.catch((e: unknown) => e);
      expect(err).to.be.instanceOf(RingcastError);
      expect((err as RingcastError).code).to.equal("service_unavailable");
      expect((err as RingcastError).status).to.equal(503);
    }
    away.disconnect();
  });
});
