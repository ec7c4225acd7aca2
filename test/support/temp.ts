import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const made: string[] = [];
process.once("exit", () => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

/** A fresh folder in the system temp directory, removed when this process exits. */
export function tempDir(name: string): string {
  const dir = mkdtempSync(join(tmpdir(), `ringcast-${name}-`));
  made.push(dir);
  return dir;
}
