// Preloaded into a member under test (NODE_OPTIONS=--import; Node 20 refuses --cpu-prof there):
// starts profiling with the inspector on SIGUSR2 (the harness sends it as a measured run starts,
// so start-up is left out) and writes a .cpuprofile into BENCH_PROFILE_DIR when the process is
// asked to stop (SIGTERM), before the member's own handler exits.
import { mkdirSync, writeFileSync } from "node:fs";
import { Session } from "node:inspector";
import { join } from "node:path";

const dir = process.env.BENCH_PROFILE_DIR;
if (dir) {
  const session = new Session();
  session.connect();
  session.post("Profiler.enable");
  let started = false;
  process.on("SIGUSR2", () => {
    if (!started) session.post("Profiler.start");
    started = true;
  });
  process.prependListener("SIGTERM", () => {
    // An in-thread inspector session answers synchronously, so this completes before exit.
    if (!started) return;
    session.post("Profiler.stop", (err, result) => {
      if (err) return;
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, `${process.pid}.cpuprofile`), JSON.stringify(result.profile));
    });
  });
}
