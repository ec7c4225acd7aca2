import { type ChildProcess, spawn } from "node:child_process";

const running = new Set<ChildProcess>();

/** An example script run with plain `node` (no tsx, no repo on its path), its output kept by line. */
export class ExampleProcess {
  readonly lines: string[] = [];
  private stderr = "";
  private readonly child: ChildProcess;
  private readonly waiters = new Set<() => void>();
  private readonly exit: Promise<number | null>;

  constructor(script: string, cwd: string, env: Record<string, string>) {
    // A minimal environment: nothing of the test runner (NODE_OPTIONS, tsx) leaks into the example.
    const base = { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "" };
    this.child = spawn(process.execPath, [script], { cwd, env: { ...base, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    running.add(this.child);
    let pending = "";
    this.child.stdout?.on("data", (chunk: Buffer) => {
      const parts = (pending + chunk.toString()).split("\n");
      pending = parts.pop() ?? "";
      this.lines.push(...parts);
      for (const wake of this.waiters) wake();
    });
    this.child.stderr?.on("data", (chunk: Buffer) => {
      this.stderr += chunk.toString();
    });
    this.exit = new Promise((resolve) =>
      this.child.once("exit", (code) => {
        running.delete(this.child);
        for (const wake of this.waiters) wake();
        resolve(code);
      }),
    );
  }

  /** The first line (seen or to come) matching `pattern`; rejects if the process exits first or after `timeoutMs`. */
  waitFor(pattern: RegExp, timeoutMs = 15_000): Promise<RegExpMatchArray> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => done(new Error(`no line matching ${pattern} within ${timeoutMs} ms`)), timeoutMs);
      const check = (): void => {
        const match = this.lines.map((line) => pattern.exec(line)).find((m) => m !== null);
        if (match) return done(undefined, match);
        if (this.child.exitCode !== null || this.child.signalCode !== null) done(new Error(`exited before printing ${pattern}`));
      };
      const done = (err: Error | undefined, match?: RegExpMatchArray): void => {
        clearTimeout(timer);
        this.waiters.delete(check);
        if (err) reject(new Error(`${err.message}\nstdout:\n${this.lines.join("\n")}\nstderr:\n${this.stderr.slice(-2000)}`));
        else resolve(match!);
      };
      this.waiters.add(check);
      check();
    });
  }

  /** Its exit code; rejects if it is still running after `timeoutMs` (a hang). */
  async exited(timeoutMs = 15_000): Promise<number | null> {
    let timer: NodeJS.Timeout | undefined;
    const hang = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`still running ${timeoutMs} ms later\nstdout:\n${this.lines.join("\n")}\nstderr:\n${this.stderr}`)), timeoutMs);
    });
    try {
      return await Promise.race([this.exit, hang]);
    } finally {
      clearTimeout(timer);
    }
  }

  stop(): void {
    this.child.kill("SIGTERM");
  }

  get errors(): string {
    return this.stderr;
  }
}

/** Kills whatever example is still running (a failed test's leftovers). */
export function killExamples(): void {
  for (const child of running) child.kill("SIGKILL");
  running.clear();
}
