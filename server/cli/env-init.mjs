// Creates .env (read by `nf start`) with a fresh token secret, unless it exists. .env is git-ignored.
import { randomBytes } from "node:crypto";
import { existsSync, writeFileSync } from "node:fs";

if (!existsSync(".env")) {
  writeFileSync(
    ".env",
    `RINGCAST_TOKEN_SECRET=${randomBytes(32).toString("hex")}\nREDIS_URL=redis://127.0.0.1:6379\n`,
    { mode: 0o600 },
  );
  console.log("wrote .env with a new RINGCAST_TOKEN_SECRET");
}
