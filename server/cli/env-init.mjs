// Prepares `nf start`: creates .env (read by nf) with a fresh token secret, unless it exists (.env
// is git-ignored), and the data folder of the Procfiles' Redis (.ringcast/redis, git-ignored too),
// where its append-only file keeps acknowledged messages across a Redis crash or restart.
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";

if (!existsSync(".env")) {
  writeFileSync(
    ".env",
    `RINGCAST_TOKEN_SECRET=${randomBytes(32).toString("hex")}\nREDIS_URL=redis://127.0.0.1:6379\n`,
    { mode: 0o600 },
  );
  console.log("wrote .env with a new RINGCAST_TOKEN_SECRET");
}

const appendFsync = process.env.RINGCAST_REDIS_APPENDFSYNC;
if (appendFsync !== undefined && !["always", "everysec", "no"].includes(appendFsync)) {
  console.error(`RINGCAST_REDIS_APPENDFSYNC must be always, everysec or no (got "${appendFsync}")`);
  process.exit(1);
}
mkdirSync(".ringcast/redis", { recursive: true });
