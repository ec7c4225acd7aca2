import { pino, type Logger } from "pino";

export type { Logger };

/** JSON logs on stdout, one line per event (what process managers and log shippers expect). */
export function createLogger(level: string, bindings: Record<string, unknown> = {}): Logger {
  return pino({ level, base: { pid: process.pid, ...bindings } });
}
