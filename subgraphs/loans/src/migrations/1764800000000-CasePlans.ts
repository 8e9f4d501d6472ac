import type { MigrationInterface, QueryRunner } from "typeorm";

/**
 * The plans of each case as restructuring's PlanStarted and PlanUpdated tell them: a case is
 * ARRANGEMENT while one is ACTIVE. Each row keeps the newest version applied, and COMPLETED or
 * BROKEN is final, so an event delivered late or twice changes nothing (see
 * modules/collection-case/placement-status.ts). A resolved case says why (PAID: nothing was
 * left overdue; SETTLED: a settlement plan was completed) and, when settled, what was forgiven.
 */
export class CasePlans1764800000000 implements MigrationInterface {
  name = "CasePlans1764800000000";

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE case_plan (
        plan_id uuid PRIMARY KEY,
        case_id uuid NOT NULL,
        version int NOT NULL,
        status text NOT NULL CHECK (status IN ('ACTIVE', 'COMPLETED', 'BROKEN'))
      );
      CREATE INDEX case_plan_active_idx ON case_plan (case_id) WHERE status = 'ACTIVE';
      ALTER TABLE collection_case
        ADD COLUMN resolution_reason text CHECK (resolution_reason IN ('PAID', 'SETTLED')),
        ADD COLUMN forgiven_minor bigint CHECK (forgiven_minor >= 0),
        ADD CHECK (forgiven_minor IS NULL OR resolution_reason = 'SETTLED');
      -- Every case resolved so far was resolved by payment.
      UPDATE collection_case SET resolution_reason = 'PAID' WHERE status = 'RESOLVED';
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE collection_case DROP COLUMN forgiven_minor, DROP COLUMN resolution_reason;
      DROP TABLE case_plan;
    `);
  }
}
