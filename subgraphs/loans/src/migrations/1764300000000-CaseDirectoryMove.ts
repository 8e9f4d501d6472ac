import type { MigrationInterface, QueryRunner } from "typeorm";

/**
 * Moves the loans subgraph onto the kit's case directory: each case gets an aggregate version
 * (raised by every change, carried by its events, so read models order them by version and not
 * by wall clocks); the directory is seeded from the cases, and the old access read models go.
 */
export class CaseDirectoryMove1764300000000 implements MigrationInterface {
  name = "CaseDirectoryMove1764300000000";

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE collection_case ADD COLUMN version bigint NOT NULL DEFAULT 1;
      INSERT INTO case_directory (case_id, lender_id, borrower_id, loan_id, region, status, bucket, days_past_due, version)
        SELECT c.id, c.lender_id, c.borrower_id, c.loan_id, b.region, c.status, c.bucket, c.days_past_due, c.version
          FROM collection_case c JOIN borrower b ON b.id = c.borrower_id
        ON CONFLICT (case_id) DO NOTHING;
      -- Placements and visit windows come back from the bus: the directory's consumer is new, so
      -- it reads the bus from its start (the old tables kept no expiry to seed them with).
      DROP TABLE case_access, visit_window;
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE case_access (
        placement_id uuid PRIMARY KEY, case_id uuid NOT NULL, agency_id uuid NOT NULL, active boolean NOT NULL,
        started_at timestamptz NOT NULL, ended_at timestamptz, last_event_at timestamptz NOT NULL
      );
      CREATE TABLE visit_window (
        visit_id uuid PRIMARY KEY, case_id uuid NOT NULL, agency_id uuid NOT NULL, window_start timestamptz NOT NULL,
        window_end timestamptz NOT NULL, open boolean NOT NULL, last_event_at timestamptz NOT NULL
      );
      ALTER TABLE collection_case DROP COLUMN version;
    `);
  }
}
