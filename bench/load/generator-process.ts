import { type ChildProcess, fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { Connection } from "../systems/system.ts";
import type { Conversation, GeneratorClass, GeneratorCommand, GeneratorReply, RunResult, WatchResult, Workload } from "./protocol.ts";

const ENTRY = fileURLToPath(new URL("./generator.ts", import.meta.url));

/** The harness's handle on one load generator process: one command at a time, each answered. */
export class GeneratorProcess {
  private constructor(private readonly child: ChildProcess) {}

  static start(): GeneratorProcess {
    return new GeneratorProcess(fork(ENTRY, [], { execArgv: ["--import", "tsx"], stdio: ["ignore", "inherit", "inherit", "ipc"] }));
  }

  get pid(): number {
    return this.child.pid!;
  }

  async connect(
    users: { id: string; connection: Connection }[],
    classes: { regular: GeneratorClass[]; bigRoom: GeneratorClass; conversations?: Conversation[] },
  ): Promise<{ count: number; failed: number }> {
    const reply = await this.request({ type: "connect", users, classes: classes.regular, bigRoom: classes.bigRoom, conversations: classes.conversations ?? [] });
    if (reply.type !== "connected") throw new Error(`generator: unexpected reply ${reply.type}`);
    return reply;
  }

  async run(workload: Workload): Promise<RunResult> {
    const reply = await this.request({ type: "run", workload });
    if (reply.type !== "result") throw new Error(`generator: unexpected reply ${reply.type}`);
    return reply.result;
  }

  /** Starts the clock of a disruption (drops and probe times count from here). */
  async mark(): Promise<void> {
    const reply = await this.request({ type: "mark" });
    if (reply.type !== "marked") throw new Error(`generator: unexpected reply ${reply.type}`);
  }

  async watch(probeBody: string, since: number, timeoutMs: number): Promise<WatchResult> {
    const reply = await this.request({ type: "watch", probeBody, since, timeoutMs });
    if (reply.type !== "watched") throw new Error(`generator: unexpected reply ${reply.type}`);
    return reply.result;
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      if (this.child.exitCode !== null) return resolve();
      this.child.once("exit", () => resolve());
      this.child.send({ type: "close" } satisfies GeneratorCommand);
      setTimeout(() => this.child.kill("SIGKILL"), 5000).unref();
    });
  }

  private request(command: GeneratorCommand): Promise<GeneratorReply> {
    return new Promise((resolve, reject) => {
      const onExit = (code: number | null): void => reject(new Error(`generator exited (${code})`));
      this.child.once("exit", onExit);
      this.child.once("message", (reply: GeneratorReply) => {
        this.child.off("exit", onExit);
        if (reply.type === "error") reject(new Error(`generator: ${reply.message}`));
        else resolve(reply);
      });
      this.child.send(command);
    });
  }
}
