import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { expect } from "chai";
import { type ClientSocket, connectSocket, eventually, Inbox, tokenFor } from "../support/clients.ts";
import { type ClusterProcess, spawnGateway, spawnMember } from "../support/processes.ts";
import { enginePath, getRequest, hasHead, isSwitching, openRaw, type RawConnection, upgradeRequest, wsTextFrame } from "../support/raw-http.ts";
import { seedSchool, sharedRedis, uniquePrefix } from "../support/redis.ts";

/** Member limits raised so the tests' bursts are delivered, not refused. */
const MEMBER_ENV = {
  RINGCAST_LIMIT_DIRECT_MESSAGES: "100000/1",
  RINGCAST_LIMIT_SOCKET_EVENTS: "100000/1",
  RINGCAST_LIMIT_LOGINS_PER_ADDRESS: "100000/1",
  RINGCAST_MAX_SOCKETS_PER_USER: "1000",
  RINGCAST_MAX_MESSAGE_CHARS: "100000",
  // The member keeps writing to a stalled socket: the gateway's side of it is under test here.
  RINGCAST_MAX_BUFFERED_BYTES: String(256 * 1024 * 1024),
};
const STALLED_CLIENT = fileURLToPath(new URL("../support/stalled-client.ts", import.meta.url));
/** Lets a process that is about to die of an unhandled error do so before it is probed. */
const SETTLE_MS = 200;

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * TCP resets at every stage of a connection through the gateway, and a killed client with unread
 * data: each must leave the gateway and every member serving.
 */
for (const mode of ["hash", "broadcast"] as const) {
  describe(`gateway under TCP resets (${mode} mode)`, function () {
    this.timeout(120_000);
    let members: ClusterProcess[] = [];
    let gateway: ClusterProcess;
    const tokens = new Map<string, string>();
    let fresh = 0;

    before(async () => {
      const redis = await sharedRedis();
      const prefix = uniquePrefix(`gw-resets-${mode}`);
      await seedSchool(redis.url, prefix);
      const env = { ...MEMBER_ENV, RINGCAST_MODE: mode };
      members = await Promise.all(["a", "b"].map((id) => spawnMember({ redisUrl: redis.url, prefix, nodeId: id, env })));
      gateway = await spawnGateway({ redisUrl: redis.url, prefix, mode });
      for (const id of ["s001", "s002", "s003", "s004", "s005", "s006", "t-ada"]) tokens.set(id, await tokenFor(gateway.url, id));
    });

    after(() => Promise.all([gateway?.stop(), ...members.map((m) => m.stop())]));

    const token = (id: string): string => tokens.get(id)!;

    /** The gateway and both members answer their health checks, and a new client gets a message. */
    async function expectServing(): Promise<void> {
      await pause(SETTLE_MS);
      expect(gateway.alive(), `gateway died:\n${gateway.output().slice(-3000)}`).to.equal(true);
      for (const member of members) expect(member.alive(), `member ${member.nodeId} died:\n${member.output().slice(-2000)}`).to.equal(true);
      expect((await fetch(`${gateway.url}/gateway/healthz`)).status).to.equal(200);
      for (const member of members) expect((await fetch(`${member.url}/healthz`)).status).to.equal(200);
      const inbox = new Inbox(await connectVia(gateway.url, token("s005")));
      try {
        const body = `still serving ${++fresh}`;
        const sender = await connectVia(gateway.url, token("s006"));
        const ack = await sender.timeout(10_000).emitWithAck("message:send", { to: { user: "s005" }, body });
        sender.close();
        expect(ack.ok, JSON.stringify(ack)).to.equal(true);
        await eventually(() => inbox.messages.some((m) => m.body === body), 5000);
      } finally {
        inbox.socket.close();
      }
    }

    const stages = {
      /** A polling handshake whose client resets before (or while) the answer comes back. */
      async pollingHandshake(delayMs: number): Promise<void> {
        const conn = await openRaw(gateway.port);
        conn.socket.write(getRequest(enginePath(token("s001"), "polling")));
        await pause(delayMs);
        conn.reset();
      },
      /** A long-poll GET held by the member (no packet to send yet), then reset. */
      async longPoll(): Promise<void> {
        const conn = await openRaw(gateway.port);
        const sid = await pollingSession(conn, token("s001"));
        conn.socket.write(getRequest(enginePath(token("s001"), "polling", sid)));
        await pause(50);
        conn.reset();
      },
      /** The upgrade request sent (whole or half), reset before the 101 comes back. */
      async beforeSwitching(half: boolean): Promise<void> {
        const conn = await openRaw(gateway.port);
        const request = upgradeRequest(enginePath(token("s002"), "websocket"));
        conn.socket.write(half ? request.slice(0, request.length - 10) : request);
        conn.reset();
      },
      /** The reproduction: wait for the 101, then reset. */
      async afterSwitching(): Promise<void> {
        const conn = await openRaw(gateway.port);
        conn.socket.write(upgradeRequest(enginePath(token("s003"), "websocket")));
        await conn.waitFor(isSwitching);
        conn.reset();
      },
      /** A polling session upgraded to WebSocket (the stock client's path), reset after the 101. */
      async upgradedSession(): Promise<void> {
        const conn = await openRaw(gateway.port);
        const sid = await pollingSession(conn, token("s003"));
        const ws = await openRaw(gateway.port);
        ws.socket.write(upgradeRequest(enginePath(token("s003"), "websocket", sid)));
        await ws.waitFor(isSwitching);
        ws.reset();
        conn.reset();
      },
    };

    it("survives a reset during the polling handshake request", async () => {
      for (const delayMs of [0, 1, 5, 20, 50]) await stages.pollingHandshake(delayMs);
      await expectServing();
    });

    it("survives a reset in the middle of a long-poll", async () => {
      await stages.longPoll();
      await expectServing();
    });

    it("survives a reset mid-upgrade, before the 101", async () => {
      await stages.beforeSwitching(false);
      await stages.beforeSwitching(true);
      await expectServing();
    });

    it("survives a reset right after the 101", async () => {
      await stages.afterSwitching();
      await expectServing();
      await stages.upgradedSession();
      await expectServing();
    });

    it("survives a reset while the member is writing a burst to the socket", async () => {
      const conn = await openRaw(gateway.port);
      conn.socket.write(upgradeRequest(enginePath(token("s004"), "websocket")));
      await conn.waitFor(isSwitching);
      conn.socket.write(wsTextFrame(`40${JSON.stringify({ token: token("s004") })}`));
      await conn.waitFor((text) => text.includes("ringcast:session"));
      const sender = await connectVia(gateway.url, token("s006"));
      try {
        const before = conn.received().length;
        const acks = burst(sender, "s004", 300, 10_000);
        await conn.waitFor((text) => text.length > before + 100_000, 15_000);
        conn.reset();
        await acks;
      } finally {
        sender.close();
      }
      await expectServing();
    });

    it("survives 200 resets at every stage in a loop", async () => {
      const rounds: (() => Promise<void>)[] = [
        () => stages.pollingHandshake(0),
        () => stages.pollingHandshake(5),
        () => stages.longPoll(),
        () => stages.beforeSwitching(false),
        () => stages.beforeSwitching(true),
        () => stages.afterSwitching(),
        () => stages.upgradedSession(),
      ];
      const deadline = Date.now() + 90_000;
      let done = 0;
      for (; done < 200 && Date.now() < deadline; done++) {
        await rounds[done % rounds.length]!();
        if (done % 25 === 24) await expectServing();
      }
      expect(done).to.equal(200);
      await expectServing();
    });

    it("survives a kill -9 of a client with unread messages piling up", async () => {
      const child = spawn(process.execPath, ["--import", "tsx", STALLED_CLIENT, gateway.url, token("s002")], { stdio: ["ignore", "pipe", "pipe"] });
      const lines = collectLines(child.stdout);
      try {
        await lines.waitFor("connected");
        const sender = await connectVia(gateway.url, token("s006"));
        try {
          await burst(sender, "s002", 400, 30_000);
          await lines.waitFor("stalled");
        } finally {
          sender.close();
        }
      } finally {
        await new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          child.once("exit", () => resolve());
          child.kill("SIGKILL");
        });
      }
      await expectServing();
    });
  });
}

/** A stock client with the token in the query too, so a router (the gateway) can route it. */
function connectVia(url: string, token: string): Promise<ClientSocket> {
  return connectSocket(url, { token }, { query: { token } });
}

/** Opens a polling session on `conn` (keep-alive) and returns its sid. */
async function pollingSession(conn: RawConnection, token: string): Promise<string> {
  conn.socket.write(getRequest(enginePath(token, "polling")));
  const text = await conn.waitFor((t) => hasHead(t) && /"sid":"[^"]+"/.test(t));
  return /"sid":"([^"]+)"/.exec(text)![1]!;
}

/** Sends `count` direct messages of `size` characters to `to`, all at once; resolves when all are acknowledged. */
async function burst(sender: ClientSocket, to: string, count: number, size: number): Promise<void> {
  const body = "x".repeat(size);
  const acks = await Promise.all(
    Array.from({ length: count }, (_, i) => sender.timeout(30_000).emitWithAck("message:send", { to: { user: to }, body: `${i} ${body}` })),
  );
  const refused = acks.filter((a: { ok: boolean }) => !a.ok);
  expect(refused, JSON.stringify(refused[0])).to.deep.equal([]);
}

/** The lines a child prints, with a way to wait for one. */
function collectLines(stream: NodeJS.ReadableStream | null): { waitFor(line: string, timeoutMs?: number): Promise<void> } {
  let text = "";
  stream?.on("data", (chunk: Buffer) => (text += chunk.toString()));
  return {
    async waitFor(line, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      while (!text.split("\n").includes(line)) {
        if (Date.now() > deadline) throw new Error(`child did not print "${line}"; printed: ${text.slice(-500)}`);
        await pause(20);
      }
    },
  };
}
