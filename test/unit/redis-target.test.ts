import { expect } from "chai";
import { describeRedisTarget, parseHostPorts, type RedisTarget, redisConnectOptions } from "../../server/redis/redis-target.ts";

const SENTINEL: RedisTarget = {
  kind: "sentinel",
  sentinels: [{ host: "10.0.0.1", port: 26379 }],
  name: "school",
  password: "data-secret",
  sentinelPassword: "sentinel-secret",
  tls: true,
};

describe("redis target", () => {
  it("connects a single Redis by its URL, with the caller's options untouched", () => {
    const base = { lazyConnect: true };
    expect(redisConnectOptions({ kind: "single", url: "redis://db:6379" }, base)).to.deep.equal({ url: "redis://db:6379", options: base });
  });

  it("asks the sentinels for the primary, with credentials and TLS for both", () => {
    const { url, options } = redisConnectOptions(SENTINEL, { lazyConnect: true });
    expect(url).to.equal(undefined);
    expect(options).to.deep.include({
      lazyConnect: true,
      sentinels: [{ host: "10.0.0.1", port: 26379 }],
      name: "school",
      role: "master",
      password: "data-secret",
      sentinelPassword: "sentinel-secret",
      enableTLSForSentinelMode: true,
    });
    expect(options.tls).to.deep.equal({});
    expect(options.sentinelTLS).to.deep.equal({});
  });

  it("describes a target for logs without its credentials", () => {
    expect(describeRedisTarget({ kind: "single", url: "rediss://user:pw@db:6380" })).to.equal("rediss://db:6380");
    expect(describeRedisTarget(SENTINEL)).to.equal("sentinel school via 10.0.0.1:26379");
  });

  it("parses host:port lists and names a bad entry", () => {
    expect(parseHostPorts(" a:1, [::1]:2 ,")).to.deep.equal([
      { host: "a", port: 1 },
      { host: "::1", port: 2 },
    ]);
    expect(() => parseHostPorts("a:1,b")).to.throw('"b" is not host:port');
    expect(() => parseHostPorts("a:0")).to.throw('"a:0" is not host:port');
  });
});
