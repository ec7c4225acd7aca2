import type { Redis } from "ioredis";

/** Fields of Redis INFO the harness reads. */
export interface RedisInfo {
  pid: number;
  /** Commands processed since the server started. */
  commands: number;
  /** The same by command name (lower case), from INFO commandstats. */
  byCommand: Record<string, number>;
  /** Microseconds Redis spent in each command (INFO commandstats usec; a script's inner calls count in both). */
  usecByCommand: Record<string, number>;
}

export async function redisInfo(redis: Redis): Promise<RedisInfo> {
  const text = await redis.info("everything");
  const byCommand: Record<string, number> = {};
  const usecByCommand: Record<string, number> = {};
  for (const [, name, calls, usec] of text.matchAll(/^cmdstat_([^:]+):calls=(\d+),usec=(\d+)/gm)) {
    byCommand[name!] = Number(calls);
    usecByCommand[name!] = Number(usec);
  }
  const field = (name: string): number => Number(new RegExp(`^${name}:(\\d+)`, "m").exec(text)?.[1] ?? Number.NaN);
  return { pid: field("process_id"), commands: field("total_commands_processed"), byCommand, usecByCommand };
}
