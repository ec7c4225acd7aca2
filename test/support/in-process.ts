import { TokenService } from "../../server/auth/tokens.ts";
import { loadConfig } from "../../server/config/config.ts";
import { createLogger } from "../../server/log.ts";
import { composeMember } from "../../server/member/compose.ts";
import type { Member } from "../../server/member/member.ts";
import { memberEnv, TOKEN_SECRET } from "./processes.ts";

export interface InProcessMember {
  member: Member;
  url: string;
  close(): Promise<void>;
}

/** A member inside the test process (for API and socket tests; cluster tests use processes). */
export async function startInProcessMember(options: {
  redisUrl: string;
  prefix: string;
  env?: Record<string, string>;
}): Promise<InProcessMember> {
  const config = loadConfig(memberEnv({ ...options, nodeId: "in-process", env: { LOG_LEVEL: "silent", ...options.env } }));
  const member = composeMember(config, createLogger(config.logLevel));
  await member.start();
  return { member, url: `http://127.0.0.1:${member.port}`, close: () => member.close() };
}

/** A token signed with the test secret but already expired. */
export async function expiredToken(userId: string): Promise<string> {
  return (await new TokenService(TOKEN_SECRET, -60).issue({ userId, role: "student" })).token;
}
