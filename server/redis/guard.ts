import type { Redis } from "ioredis";
import { UnavailableError } from "../errors.ts";

/**
 * Runs a Redis operation and turns "Redis is away" into UnavailableError (503), so callers
 * never confuse an outage with a missing record. Other errors pass through unchanged.
 */
export async function guarded<T>(client: Redis, what: string, operation: () => Promise<T>): Promise<T> {
  if (client.status !== "ready") throw new UnavailableError(what);
  try {
    return await operation();
  } catch (err) {
    if (client.status !== "ready" || isConnectionError(err)) throw new UnavailableError(what);
    throw err;
  }
}

function isConnectionError(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  return (
    err.name === "MaxRetriesPerRequestError" ||
    /ECONNREFUSED|ECONNRESET|EPIPE|Connection is closed|Stream isn't writeable/.test(err.message)
  );
}
