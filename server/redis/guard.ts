import type { RedisClient } from "./connect.ts";
import { type RingcastError, UnavailableError } from "../errors.ts";

/** Decides, before each store operation, whether the data behind a client may be used (see DatasetGuard). */
export interface DataCheck {
  /** The error to answer with instead of running the operation on `what`, or undefined. */
  refusal(what: string): RingcastError | undefined;
}

const dataChecks = new WeakMap<RedisClient, DataCheck>();

/**
 * Makes every guarded() operation on `client` ask `check` first: when the dataset is lost, every
 * store (school, message log, ledger) refuses with `data_lost`, so REST, handshakes and sends all
 * say so without each caller knowing about it.
 */
export function guardData(client: RedisClient, check: DataCheck): void {
  dataChecks.set(client, check);
}

/**
 * Runs a Redis operation and turns "Redis is away" into UnavailableError (503), so callers
 * never confuse an outage with a missing record; and "Redis lost its data" into `data_lost`
 * (503), so they never confuse a lost dataset with a deleted user. Other errors pass through.
 */
export async function guarded<T>(client: RedisClient, what: string, operation: () => Promise<T>): Promise<T> {
  if (client.status !== "ready") throw new UnavailableError(what);
  const refusal = dataChecks.get(client)?.refusal(what);
  if (refusal) throw refusal;
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
    err.name === "ClusterAllFailedError" ||
    // READONLY/MASTERDOWN/LOADING: a failover under way (an old primary now a replica, or a new
    // one still loading): the same "retry shortly" as an outage. On a Redis Cluster: a shard
    // without a primary (CLUSTERDOWN), a slot half moved by a reshard (TRYAGAIN), redirections
    // that went on while a failover settled, or a client still reading the slot map; an explicit
    // pipeline (an append and its WAIT) that met a slot on the move is not sent again by ioredis:
    // its append did not run there.
    /ECONNREFUSED|ECONNRESET|EPIPE|Connection is closed|Stream isn't writeable|^READONLY|^MASTERDOWN|^LOADING|^NOREPLICAS|^CLUSTERDOWN|^TRYAGAIN|^MOVED |^ASK |Too many Cluster redirections|Cluster isn't ready/.test(
      err.message,
    )
  );
}
