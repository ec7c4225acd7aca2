// Preloaded into a member under test (NODE_OPTIONS=--import): on SIGUSR2 it collects garbage and
// writes a heap snapshot <n>.heapsnapshot into BENCH_HEAP_DIR (n = 0, 1, …), then <n>.done.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { setFlagsFromString, writeHeapSnapshot } from "node:v8";
import { runInNewContext } from "node:vm";

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc");
const dir = process.env.BENCH_HEAP_DIR;
let taken = 0;
if (dir) {
  process.on("SIGUSR2", () => {
    gc();
    gc();
    writeHeapSnapshot(join(dir, `${taken}.heapsnapshot`));
    writeFileSync(join(dir, `${taken}.done`), "");
    taken++;
  });
}
