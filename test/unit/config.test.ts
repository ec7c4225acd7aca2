import { expect } from "chai";
import { ConfigError, loadConfig, loadLauncherConfig } from "../../server/config/config.ts";
import { loadGatewayConfig } from "../../server/config/gateway-config.ts";

const SECRET = "s".repeat(32);

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  throw new Error("expected a ConfigError");
}

describe("config", () => {
  it("applies the documented defaults", () => {
    const config = loadConfig({ RINGCAST_TOKEN_SECRET: SECRET });
    expect(config).to.deep.include({
      host: "127.0.0.1",
      port: 3000,
      redis: { kind: "single", url: "redis://127.0.0.1:6379" },
      waitReplicas: 0,
      redisPrefix: "ringcast",
      mode: "broadcast",
      tokenTtlSeconds: 3600,
      corsOrigins: [],
      heartbeatMs: 2000,
      leaseMs: 6000,
      maxBodyBytes: 16384,
      maxSocketPayloadBytes: 65536,
      maxMessageChars: 2000,
      seedDemo: false,
      logLevel: "info",
    });
    expect(config.nodeId).to.match(/:3000$/);
  });

  it("reads every variable", () => {
    const config = loadConfig({
      RINGCAST_TOKEN_SECRET: SECRET,
      PORT: "0",
      NODE_ID: "edge-1",
      RINGCAST_CORS_ORIGINS: "https://a.example, https://b.example",
      RINGCAST_SEED_DEMO: "true",
      RINGCAST_ADVERTISE_URL: "http://10.0.0.5:3000",
    });
    expect(config).to.deep.include({ port: 0, nodeId: "edge-1", seedDemo: true, advertiseUrl: "http://10.0.0.5:3000" });
    expect(config.corsOrigins).to.deep.equal(["https://a.example", "https://b.example"]);
  });

  it("selects Redis Sentinel with REDIS_SENTINELS, and then waits for a replica by default", () => {
    const config = loadConfig({
      RINGCAST_TOKEN_SECRET: SECRET,
      REDIS_SENTINELS: "10.0.0.1:26379, sentinel-b:26380,[::1]:26381",
      REDIS_SENTINEL_NAME: "school",
      REDIS_PASSWORD: "data-secret",
      REDIS_SENTINEL_PASSWORD: "sentinel-secret",
    });
    expect(config.redis).to.deep.equal({
      kind: "sentinel",
      sentinels: [
        { host: "10.0.0.1", port: 26379 },
        { host: "sentinel-b", port: 26380 },
        { host: "::1", port: 26381 },
      ],
      name: "school",
      username: undefined,
      password: "data-secret",
      sentinelUsername: undefined,
      sentinelPassword: "sentinel-secret",
      tls: false,
    });
    expect(config.waitReplicas).to.equal(1);
    expect(loadConfig({ RINGCAST_TOKEN_SECRET: SECRET, REDIS_SENTINELS: "h:1", RINGCAST_REDIS_WAIT_REPLICAS: "0" }).waitReplicas).to.equal(0);
    expect(loadGatewayConfig({ RINGCAST_TOKEN_SECRET: SECRET, REDIS_SENTINELS: "h:1" }).redis).to.include({ kind: "sentinel", name: "mymaster" });
  });

  it("selects a Redis Cluster from REDIS_CLUSTER_NODES, with auth and TLS", () => {
    const config = loadConfig({ RINGCAST_TOKEN_SECRET: SECRET, REDIS_CLUSTER_NODES: "10.0.0.1:7000, redis-b:7001", REDIS_PASSWORD: "s", REDIS_TLS: "1" });
    expect(config.redis).to.deep.equal({
      kind: "cluster",
      nodes: [
        { host: "10.0.0.1", port: 7000 },
        { host: "redis-b", port: 7001 },
      ],
      username: undefined,
      password: "s",
      tls: true,
    });
    // Every key and channel in one hash slot: multi-key scripts never span shards.
    expect(config.redisPrefix).to.equal("{ringcast}");
    expect(loadGatewayConfig({ RINGCAST_TOKEN_SECRET: SECRET, REDIS_CLUSTER_NODES: "a:1", RINGCAST_REDIS_PREFIX: "school" }).redisPrefix).to.equal("{school}");
    // A cluster's primaries have replicas to fail over to: an append waits for one, as with Sentinel.
    expect(config.waitReplicas).to.equal(1);
    expect(problemsOf({ RINGCAST_TOKEN_SECRET: SECRET, REDIS_CLUSTER_NODES: "a:1", REDIS_URL: "redis://b:2" })).to.deep.equal([
      "REDIS_URL and REDIS_CLUSTER_NODES: set one of them, not several",
    ]);
    expect(problemsOf({ RINGCAST_TOKEN_SECRET: SECRET, REDIS_CLUSTER_NODES: "a" })[0]).to.match(/^REDIS_CLUSTER_NODES: "a" is not host:port/);
  });

  it("puts REDIS_PASSWORD and REDIS_TLS into a plain REDIS_URL", () => {
    const config = loadConfig({ RINGCAST_TOKEN_SECRET: SECRET, REDIS_URL: "redis://db:6380/2", REDIS_PASSWORD: "p@ss", REDIS_TLS: "true" });
    expect(config.redis).to.deep.equal({ kind: "single", url: "rediss://:p%40ss@db:6380/2" });
  });

  it("refuses contradicting or malformed Redis settings, naming them", () => {
    expect(problemsOf({ RINGCAST_TOKEN_SECRET: SECRET, REDIS_URL: "redis://a:1", REDIS_SENTINELS: "b:2" })).to.deep.equal([
      "REDIS_URL and REDIS_SENTINELS: set one of them, not several",
    ]);
    expect(problemsOf({ RINGCAST_TOKEN_SECRET: SECRET, REDIS_SENTINELS: "b:2,nope" })[0]).to.match(/^REDIS_SENTINELS: "nope" is not host:port/);
    expect(problemsOf({ RINGCAST_TOKEN_SECRET: SECRET, REDIS_SENTINELS: "b:99999" })[0]).to.match(/^REDIS_SENTINELS: "b:99999"/);
    expect(problemsOf({ RINGCAST_TOKEN_SECRET: SECRET, REDIS_SENTINEL_PASSWORD: "x" })[0]).to.match(/^REDIS_SENTINEL_PASSWORD/);
  });

  it("names every bad variable at once", () => {
    const problems = problemsOf({ PORT: "70000", REDIS_URL: "localhost", RINGCAST_MODE: "mesh", LOG_LEVEL: "loud" });
    expect(problems.map((p) => p.split(":")[0])).to.have.members([
      "PORT",
      "REDIS_URL",
      "RINGCAST_MODE",
      "LOG_LEVEL",
      "RINGCAST_TOKEN_SECRET",
    ]);
    expect(problems.find((p) => p.startsWith("RINGCAST_TOKEN_SECRET"))).to.include("openssl rand -hex 32");
  });

  it("refuses a short token secret and a lease not longer than the heartbeat", () => {
    expect(problemsOf({ RINGCAST_TOKEN_SECRET: "short" })[0]).to.match(/^RINGCAST_TOKEN_SECRET: must be at least 32/);
    expect(problemsOf({ RINGCAST_TOKEN_SECRET: SECRET, RINGCAST_HEARTBEAT_MS: "5000", RINGCAST_LEASE_MS: "5000" })).to.deep.equal([
      "RINGCAST_LEASE_MS: must be longer than RINGCAST_HEARTBEAT_MS",
    ]);
  });

  it("reads hash mode and its ring and rebalancing settings", () => {
    const config = loadConfig({ RINGCAST_TOKEN_SECRET: SECRET, RINGCAST_MODE: "hash", RINGCAST_REBALANCE: "all" });
    expect(config).to.deep.include({ mode: "hash", virtualNodes: 1024, rebalance: "all", rebalanceBatch: 50 });
    expect(config).to.deep.include({ rebalanceIntervalMs: 100, drainDelayMs: 300 });
    expect(problemsOf({ RINGCAST_TOKEN_SECRET: SECRET, RINGCAST_REBALANCE: "some" })[0]).to.match(/^RINGCAST_REBALANCE:/);
  });

  it("treats an empty variable as unset", () => {
    expect(loadConfig({ RINGCAST_TOKEN_SECRET: SECRET, PORT: "" }).port).to.equal(3000);
  });

  it("defaults the launcher to one worker per core and validates RINGCAST_WORKERS", () => {
    expect(loadLauncherConfig({}, 2).workers).to.equal(2);
    expect(loadLauncherConfig({ RINGCAST_WORKERS: "4" }, 2).workers).to.equal(4);
    expect(() => loadLauncherConfig({ RINGCAST_WORKERS: "zero" }, 2)).to.throw(ConfigError, /RINGCAST_WORKERS/);
  });
});

describe("gateway config", () => {
  it("defaults to port 8080 in broadcast mode without TLS", () => {
    const config = loadGatewayConfig({ RINGCAST_TOKEN_SECRET: SECRET });
    expect(config).to.deep.include({ port: 8080, mode: "broadcast", virtualNodes: 1024, tls: undefined });
  });

  it("wants both TLS files or neither, and says which file it cannot read", () => {
    expect(() => loadGatewayConfig({ RINGCAST_TOKEN_SECRET: SECRET, RINGCAST_TLS_CERT: "/x.pem" })).to.throw(ConfigError, /set both or neither/);
    expect(() =>
      loadGatewayConfig({ RINGCAST_TOKEN_SECRET: SECRET, RINGCAST_TLS_CERT: "/nope/cert.pem", RINGCAST_TLS_KEY: "/nope/key.pem" }),
    ).to.throw(ConfigError, /RINGCAST_TLS_CERT: cannot read \/nope\/cert.pem/);
  });

  it("requires the members' token secret", () => {
    expect(() => loadGatewayConfig({})).to.throw(ConfigError, /RINGCAST_TOKEN_SECRET/);
  });
});
