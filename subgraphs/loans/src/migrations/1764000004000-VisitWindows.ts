import type { MigrationInterface, QueryRunner } from "typeorm";

/**
 * Approved home visits and their windows, kept from the agencies subgraph's HomeVisitApproved,
 * HomeVisitCompleted and HomeVisitCancelled events: an agency sees a borrower's address only
 * inside an approved window.
 */
export class VisitWindows1764000004000 implements MigrationInterface {
  name = "VisitWindows1764000004000";

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE visit_window (
        visit_id uuid PRIMARY KEY,
        case_id uuid NOT NULL,
        agency_id uuid NOT NULL,
        window_start timestamptz NOT NULL,
        window_end timestamptz NOT NULL,
        open boolean NOT NULL,
        last_event_at timestamptz NOT NULL
      );
      CREATE INDEX visit_window_agency_idx ON visit_window (agency_id, case_id) WHERE open;
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query("DROP TABLE visit_window");
  }
}
