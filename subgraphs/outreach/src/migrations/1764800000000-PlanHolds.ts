import type { MigrationInterface, QueryRunner } from "typeorm";

/**
 * Each plan's standing as restructuring's PlanStarted and PlanUpdated tell it: the newest
 * version applied and its status (COMPLETED and BROKEN are final), so the ARRANGEMENT hold it
 * places is placed once and lifted once however late or often its events arrive (see
 * modules/plans/plan-holds.ts).
 */
export class PlanHolds1764800000000 implements MigrationInterface {
  name = "PlanHolds1764800000000";

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE plan_standing (
        plan_id uuid PRIMARY KEY,
        case_id uuid NOT NULL,
        version int NOT NULL,
        status text NOT NULL CHECK (status IN ('ACTIVE', 'COMPLETED', 'BROKEN'))
      );
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query("DROP TABLE plan_standing");
  }
}
