import { type ChildProcess, spawn } from "node:child_process";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";
import { expect } from "chai";
import { RingcastRest } from "../../client/rest.ts";
import { connectFleet, closeFleet, type FleetUser } from "../support/fleet.ts";
import { eventually } from "../support/clients.ts";
import { freePort } from "../../server/cli/local-redis.ts";
import { redisEnv, sharedRedis, testTopology, uniquePrefix } from "../support/redis.ts";

const DEMO = fileURLToPath(new URL("../../server/cli/demo.ts", import.meta.url));

/** `npm run demo -- --mode hash` as a user runs it, with its output kept. */
function startDemo(env: Record<string, string>): { child: ChildProcess; output: () => string } {
  let output = "";
  const child = spawn(process.execPath, ["--import", "tsx", DEMO, "--mode", "hash"], { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  child.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  return { child, output: () => output };
}

const pidOf = (output: string, name: string): number | undefined => {
  const matches = [...output.matchAll(new RegExp(`${name} started \\(pid (\\d+)\\)`, "g"))];
  return matches.length > 0 ? Number(matches.at(-1)![1]) : undefined;
};
function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe("npm run demo -- --mode hash: the real topology under a supervisor", function () {
  this.timeout(90_000);
  let demo: ReturnType<typeof startDemo>;
  let url: string;
  let users: FleetUser[] = [];

  before(async () => {
    // Four consecutive free ports: the gateway's and the three members' after it.
    let port = 0;
    for (let tries = 0; tries < 20 && port === 0; tries++) {
      const base = await freePort();
      const free = await Promise.all([1, 2, 3].map((n) => portIsFree(base + n)));
      if (free.every(Boolean)) port = base;
    }
    const redisUrl = (await sharedRedis()).url;
    // The demo takes a plain Redis by URL (the sentinel topology's primary as started will do); a cluster by its nodes.
    const redis = testTopology() === "cluster" ? redisEnv(redisUrl) : { REDIS_URL: redisUrl };
    demo = startDemo({ PORT: String(port), ...redis, RINGCAST_REDIS_PREFIX: uniquePrefix("demo"), LOG_LEVEL: "warn" });
    url = `http://127.0.0.1:${port}`;
    await eventually(async () => (await fetch(`${url}/gateway/healthz`)).ok && (await fetch(`${url}/api/login`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ userId: "s001", password: "ringcast-demo" }) })).ok, 40_000, 250);
  });

  after(async () => {
    closeFleet(users);
    if (demo?.child.exitCode === null) {
      demo.child.kill("SIGINT");
      await new Promise((resolve) => demo.child.once("exit", resolve));
    }
  });

  it("restarts a member killed with -9 and keeps the others up; its users fail over and get what was sent meanwhile, once", async () => {
    users = await connectFleet(url, ["s001", "s002", "s003", "s004", "s005", "s006"], 50, "ringcast-demo");
    const victim = users[0]!.member!;
    const victimPid = pidOf(demo.output(), victim)!;
    const others = ["member-1", "member-2", "member-3", "gateway"].filter((n) => n !== victim).map((n) => pidOf(demo.output(), n)!);
    process.kill(victimPid, "SIGKILL");
    // A request the gateway sent to the member just killed answers 502 "retry shortly": retried, as an app does.
    let teacher = "";
    await eventually(async () => {
      teacher = (await new RingcastRest(url).login("t-ada", "ringcast-demo")).token;
      return true;
    }, 20_000, 300);
    // Sent while the member is down: refused sends (503 during the switch) are retried, as an app does.
    const sent = "sent while a member was down";
    await eventually(async () => {
      await new RingcastRest(url).send(teacher, { to: { class: "math-7a" }, body: sent });
      return true;
    }, 20_000, 300);
    await eventually(() => users.every((u) => u.inbox.messages.some((m) => m.body === sent)), 30_000);
    for (const user of users) expect(user.inbox.messages.filter((m) => m.body === sent), user.id).to.have.length(1);
    expect(users[0]!.drops).to.be.at.least(1);
    for (const pid of others) expect(alive(pid), `pid ${pid}`).to.equal(true);
    await eventually(() => {
      const restarted = pidOf(demo.output(), victim);
      return restarted !== undefined && restarted !== victimPid && alive(restarted);
    }, 20_000);
    expect(demo.output()).to.include(`${victim} exited (SIGKILL); the others keep running`);
  });

  it("stops every process on Ctrl-C (SIGINT)", async () => {
    const pids = ["member-1", "member-2", "member-3", "gateway"].map((n) => pidOf(demo.output(), n)!);
    demo.child.kill("SIGINT");
    const code = await new Promise((resolve) => demo.child.once("exit", resolve));
    expect(code).to.equal(0);
    await eventually(() => pids.every((pid) => !alive(pid)), 15_000);
  });
});
