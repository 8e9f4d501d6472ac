import type { MigrationInterface, QueryRunner } from "typeorm";

/**
 * The lists of home visits (a lender's, an agency's) and of violations (a lender's) are keyset
 * pages in id order: an index for each; and a violation names the case's lender, so that a
 * lender's list needs no join (backfilled from the visit each one concerns).
 */
export class VisitLists1764410000000 implements MigrationInterface {
  name = "VisitLists1764410000000";

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE INDEX home_visit_lender_idx ON home_visit (lender_id, id);
      CREATE INDEX home_visit_agency_idx ON home_visit (agency_id, id);
      ALTER TABLE visit_violation ADD COLUMN lender_id uuid;
      UPDATE visit_violation v SET lender_id = h.lender_id FROM home_visit h WHERE h.id = v.visit_id;
      CREATE INDEX visit_violation_lender_idx ON visit_violation (lender_id, id);
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP INDEX visit_violation_lender_idx, home_visit_agency_idx, home_visit_lender_idx;
      ALTER TABLE visit_violation DROP COLUMN lender_id;
    `);
  }
}
