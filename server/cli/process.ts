import { ConfigError } from "../config/config.ts";
import type { Logger } from "../log.ts";

/** Prints a configuration error plainly (not as a stack) and exits 2; rethrows anything else. */
export function exitOnConfigError(err: unknown): never {
  if (err instanceof ConfigError) {
    process.stderr.write(`ringcast: ${err.message}\n`);
    process.exit(2);
  }
  throw err;
}

/**
 * Runs `shutdown` once on SIGTERM or SIGINT, then exits; a second signal or a stuck shutdown
 * exits at once. Keeps the process alive through stray promise rejections (logged, not fatal);
 * an uncaught exception is logged as fatal before the process ends.
 */
export function handleSignals(log: Logger, shutdown: () => Promise<void>, graceMs = 10_000): void {
  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) process.exit(1);
    stopping = true;
    log.info({ signal }, "shutting down");
    setTimeout(() => process.exit(1), graceMs).unref();
    shutdown()
      .then(() => process.exit(0))
      .catch((err: unknown) => {
        log.error({ err }, "shutdown failed");
        process.exit(1);
      });
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
  process.on("unhandledRejection", (reason) => log.error({ err: reason }, "unhandled promise rejection"));
  // A crash is the exception, and the JSON logs name it (the process still exits as Node decides).
  process.on("uncaughtExceptionMonitor", (err, origin) => log.fatal({ err, origin }, "crashed: uncaught exception"));
}
