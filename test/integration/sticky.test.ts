import { expect } from "chai";
import { RingcastRest } from "../../client/rest.ts";
import { buildDemoSchool } from "../../server/school/demo-school.ts";
import { closeAll, connectSocket, eventually, Inbox, tokenFor, upgradeErrors } from "../support/clients.ts";
import { type ClusterProcess, OPERATOR_TOKEN, spawnLauncher } from "../support/processes.ts";
import { seedSchool, sharedRedis, uniquePrefix } from "../support/redis.ts";

const STUDENTS = buildDemoSchool().classes.find((c) => c.id === "math-7a")!.studentIds;

describe("sticky launcher: node:cluster workers behind one port", function () {
  this.timeout(60_000);
  let launcher: ClusterProcess;
  let api: RingcastRest;
  let teacherToken: string;

  before(async () => {
    const redis = await sharedRedis();
    const prefix = uniquePrefix("sticky");
    await seedSchool(redis.url, prefix);
    launcher = await spawnLauncher({ redisUrl: redis.url, prefix, nodeId: "host-1", workers: 2 });
    api = new RingcastRest(launcher.url);
    teacherToken = await tokenFor(launcher.url, "t-ada");
  });

  after(() => launcher.stop());

  async function connectStudents(ids: string[], transports?: ("polling" | "websocket")[]): Promise<Inbox[]> {
    return Promise.all(
      ids.map(async (id) => {
        const socket = await connectSocket(launcher.url, { token: await tokenFor(launcher.url, id) }, { transports });
        return new Inbox(socket);
      }),
    );
  }

  it("connects stock clients with default transports (polling, then upgrade) and delivers to them", async () => {
    const inboxes = await connectStudents(STUDENTS.slice(0, 20));
    const sockets = inboxes.map((i) => i.socket);
    try {
      const upgraded = () => sockets.every((s) => s.io.engine.transport.name === "websocket");
      await eventually(upgraded, 10_000).catch(() => {
        const stuck = sockets
          .map((s, i) => ({ s, who: STUDENTS[i] }))
          .filter(({ s }) => s.io.engine.transport.name !== "websocket")
          .map(({ s, who }) => `${who}: ${s.connected ? "connected" : "disconnected"} on ${s.io.engine.transport.name}; upgrade error: ${upgradeErrors.get(s) ?? "none"}`);
        throw new Error(`not every client upgraded within 10 s:\n${stuck.join("\n")}\n${launcher.output().slice(-3000)}`);
      });
      const receipt = await api.send(teacherToken, { to: { class: "math-7a" }, body: "upgraded" });
      for (const inbox of inboxes) expect((await inbox.waitFor(1))[0]).to.include({ body: "upgraded", sentAt: receipt.sentAt });
    } finally {
      closeAll(sockets);
    }
  });

  it("keeps polling-only clients on their worker for every request (receive and send)", async () => {
    const inboxes = await connectStudents(STUDENTS.slice(20), ["polling"]);
    const sockets = inboxes.map((i) => i.socket);
    const disconnects: string[] = [];
    for (const socket of sockets) socket.on("disconnect", (reason) => disconnects.push(reason));
    try {
      // Both workers serve some of them (round-robin), so stickiness is really exercised.
      await eventually(async () => (await api.cluster(OPERATOR_TOKEN)).members.filter((m) => m.sockets > 0).length === 2);
      const view = await api.cluster(OPERATOR_TOKEN);
      expect(view.members.map((m) => m.id)).to.deep.equal(["host-1/w0", "host-1/w1"]);

      const receipt = await api.send(teacherToken, { to: { class: "math-7a" }, body: "over polling" });
      for (const inbox of inboxes) expect((await inbox.waitFor(1))[0]).to.include({ body: "over polling", sentAt: receipt.sentAt });

      const ack = await sockets[0]!.emitWithAck("message:send", { to: { user: "t-ada" }, body: "thanks" });
      expect(ack).to.include({ ok: true, recipients: 1 });
      for (const socket of sockets) expect(socket.io.engine.transport.name).to.equal("polling");
      expect(disconnects).to.deep.equal([]);
    } finally {
      closeAll(sockets);
    }
  });
});
