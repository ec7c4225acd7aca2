import { readFileSync } from "node:fs";
import { expect } from "chai";
import { CLIENT_TO_SERVER_EVENTS, SERVER_TO_CLIENT_EVENTS } from "../../server/realtime/events.ts";

/** The README's Socket.IO events table: event name -> direction. */
function documentedEvents(): Map<string, string> {
  const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");
  const section = readme.slice(readme.indexOf("## Socket.IO"), readme.indexOf("\n## ", readme.indexOf("## Socket.IO") + 1));
  const rows = section.split("\n").filter((line) => /^\| `[^`]+` \| (server|client) → (server|client)/.test(line));
  return new Map(rows.map((row) => [row.split("`")[1]!, row.includes("server → client") ? "server → client" : "client → server"]));
}

describe("the README's socket events table", () => {
  it("lists exactly the protocol's events, each with its direction", () => {
    const expected = new Map<string, string>([...SERVER_TO_CLIENT_EVENTS.map((e): [string, string] => [e, "server → client"]), ...CLIENT_TO_SERVER_EVENTS.map((e): [string, string] => [e, "client → server"])]);
    expect([...documentedEvents()].sort()).to.deep.equal([...expected].sort());
  });
});
