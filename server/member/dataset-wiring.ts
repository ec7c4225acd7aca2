import type { RedisClient } from "../redis/connect.ts";
import type { Logger } from "../log.ts";
import { DatasetGuard } from "../redis/dataset-guard.ts";
import { claimLogGroups, markDataset } from "../redis/dataset-marker.ts";
import { guardData } from "../redis/guard.ts";
import { redisKeys } from "../redis/keys.ts";
import type { LogGroups } from "../redis/log-groups.ts";
import { seedDemoSchoolOnce } from "../school/demo-school.ts";
import { RedisSchoolStore } from "../school/redis-school-store.ts";

export interface DatasetWiring {
  guard: DatasetGuard;
  /** Reads the marker, seeds the demo school when asked to (marking it), and keeps watching. */
  start(): Promise<void>;
}

/**
 * Watches the data behind `store` (every guarded store operation on it asks the guard first).
 * With `demoPassword`, the member seeds the demo school at start and again after a loss; the
 * seeding goes through `seedClient`, a connection the guard does not refuse, since it runs
 * precisely while the data is lost.
 */
export function watchDataset(options: {
  store: RedisClient;
  seedClient: RedisClient;
  prefix: string;
  /** The deployment's log groups (the school's class sets are kept in them). */
  groups: LogGroups;
  intervalMs: number;
  demoPassword?: string;
  log: Logger;
}): DatasetWiring {
  const { store, seedClient, prefix, demoPassword, log } = options;
  const seed =
    demoPassword === undefined
      ? undefined
      : async (): Promise<void> => {
          await seedDemoSchoolOnce(new RedisSchoolStore(seedClient, redisKeys(prefix), options.groups), demoPassword, log);
          await markDataset(seedClient, prefix);
        };
  const guard = new DatasetGuard(store, prefix, log, { intervalMs: options.intervalMs, reseed: seed });
  guardData(store, guard);
  return {
    guard,
    async start() {
      await claimLogGroups(seedClient, prefix, options.groups.count);
      await guard.start();
      if (!seed) return;
      await seed();
      await guard.check();
    },
  };
}
