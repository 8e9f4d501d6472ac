import type { MigrationInterface, QueryRunner } from "typeorm";

/**
 * The hardships of each case as outreach's HardshipDeclared, HardshipDecided and HardshipHoldEnded
 * tell them: a case is HARDSHIP while one holds it. Each row keeps the newest version applied, so
 * an event delivered late or twice changes nothing (see modules/collection-case/placement-status.ts).
 */
export class CaseHardships1764700000000 implements MigrationInterface {
  name = "CaseHardships1764700000000";

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE case_hardship (
        hardship_id uuid PRIMARY KEY,
        case_id uuid NOT NULL,
        version int NOT NULL,
        holding boolean NOT NULL
      );
      CREATE INDEX case_hardship_holding_idx ON case_hardship (case_id) WHERE holding;
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query("DROP TABLE case_hardship");
  }
}
