import type { MigrationInterface, QueryRunner } from "typeorm";

/**
 * A hardship's version (each of its events carries the next one, so the loans subgraph applies
 * them in order) and the hold end the hardship-hold job has announced (HardshipHoldEnded), so a
 * hold that lapses by the clock is told once.
 */
export class HardshipVersions1764700300000 implements MigrationInterface {
  name = "HardshipVersions1764700300000";

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE hardship ADD COLUMN version int NOT NULL DEFAULT 1;
      -- what the hard-coded versions of the events written so far were
      UPDATE hardship SET version = CASE status WHEN 'DECLARED' THEN 1 WHEN 'ENDED' THEN 3 ELSE 2 END;
      -- the hold_until whose passing HardshipHoldEnded announced; null while none was
      ALTER TABLE hardship ADD COLUMN hold_end_announced timestamptz;
      CREATE INDEX hardship_hold_due_idx ON hardship (hold_until) WHERE hold_until IS NOT NULL AND hold_end_announced IS DISTINCT FROM hold_until;
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query("DROP INDEX hardship_hold_due_idx; ALTER TABLE hardship DROP COLUMN hold_end_announced, DROP COLUMN version");
  }
}
