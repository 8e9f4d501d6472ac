import type { MigrationInterface, QueryRunner } from "typeorm";

/**
 * The disputes of each case as outreach's DisputeRaised and DisputeResolved tell them: a case is
 * DISPUTED while one is open. A resolution is final, so one delivered before its raise leaves the
 * dispute resolved (see modules/collection-case/placement-status.ts).
 */
export class CaseDisputes1764600000000 implements MigrationInterface {
  name = "CaseDisputes1764600000000";

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE case_dispute (
        dispute_id uuid PRIMARY KEY,
        case_id uuid NOT NULL,
        resolved boolean NOT NULL
      );
      CREATE INDEX case_dispute_open_idx ON case_dispute (case_id) WHERE NOT resolved;
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query("DROP TABLE case_dispute");
  }
}
