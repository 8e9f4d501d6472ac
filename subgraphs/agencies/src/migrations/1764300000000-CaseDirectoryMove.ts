import type { MigrationInterface, QueryRunner } from "typeorm";

/**
 * Moves the agencies subgraph onto the kit's case directory: what `case_fact` held of each case
 * seeds it (borrower and loan follow with the case's next event, or the bus replay), the
 * subgraph's own placements and approved visits seed the rest, and `case_fact` goes.
 */
export class CaseDirectoryMove1764300000000 implements MigrationInterface {
  name = "CaseDirectoryMove1764300000000";

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      INSERT INTO case_directory (case_id, lender_id, region, status, bucket, days_past_due, version)
        SELECT case_id, lender_id, region, status, bucket, days_past_due, 0 FROM case_fact
        ON CONFLICT (case_id) DO NOTHING;
      INSERT INTO case_directory_placement (placement_id, case_id, agency_id, placed_at, expires_at, max_discount_bps, max_instalments, ended_at, end_status)
        SELECT id, case_id, agency_id, placed_at, expires_at, max_discount_bps, max_instalments, ended_at,
               CASE WHEN status = 'ACTIVE' THEN NULL ELSE status END
          FROM placement
        ON CONFLICT (placement_id) DO NOTHING;
      INSERT INTO case_directory_visit (visit_id, case_id, agency_id, window_start, window_end, closed_at)
        SELECT id, case_id, agency_id, window_start, window_end,
               CASE WHEN status IN ('APPROVED', 'SCHEDULED') THEN NULL ELSE coalesce(completed_at, decided_at, requested_at) END
          FROM home_visit WHERE status IN ('APPROVED', 'SCHEDULED', 'COMPLETED', 'CANCELLED') AND decided_at IS NOT NULL
        ON CONFLICT (visit_id) DO NOTHING;
      DROP TABLE case_fact;
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE case_fact (
        case_id uuid PRIMARY KEY, lender_id uuid NOT NULL, region text NOT NULL, bucket text, status text NOT NULL,
        days_past_due integer NOT NULL, last_event_at timestamptz NOT NULL
      );
      INSERT INTO case_fact SELECT case_id, lender_id, region, bucket, status, days_past_due, updated_at FROM case_directory;
    `);
  }
}
