// Preloaded into a member under test (NODE_OPTIONS=--import): on SIGUSR2 it collects garbage and
// writes { rss, heapUsed } (bytes) to BENCH_PROBE_FILE, so the harness reads live memory only.
import { writeFileSync } from "node:fs";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc");
const file = process.env.BENCH_PROBE_FILE;
if (file) {
  process.on("SIGUSR2", () => {
    gc();
    gc();
    const { rss, heapUsed } = process.memoryUsage();
    writeFileSync(file, JSON.stringify({ rss, heapUsed }));
  });
}
