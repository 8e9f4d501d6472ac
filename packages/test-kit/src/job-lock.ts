import type { DataSource } from "typeorm";
import { jobLockKey } from "@concord/service-kit";

/**
 * Holds a scheduled job's lock (see runExclusively) on a connection of its own, so the job
 * cannot run until released: a test that must show something happens without the job.
 */
export async function holdJobLock(ds: DataSource, key: string): Promise<{ release(): Promise<void> }> {
  const runner = ds.createQueryRunner();
  await runner.connect();
  await runner.query("SELECT pg_advisory_lock(hashtext($1))", [jobLockKey(key)]);
  return {
    async release() {
      await runner.query("SELECT pg_advisory_unlock(hashtext($1))", [jobLockKey(key)]);
      await runner.release();
    },
  };
}
