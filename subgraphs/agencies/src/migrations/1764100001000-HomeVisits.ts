import type { MigrationInterface, QueryRunner } from "typeorm";

/** Home-visit requests and the attempts that broke the rules (kept: what happened is never lost). */
export class HomeVisits1764100001000 implements MigrationInterface {
  name = "HomeVisits1764100001000";

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE home_visit (
        id uuid PRIMARY KEY,
        case_id uuid NOT NULL,
        agency_id uuid NOT NULL REFERENCES agency(id),
        agent_id uuid NOT NULL REFERENCES agent(id),
        lender_id uuid NOT NULL,
        reason text NOT NULL,
        window_start timestamptz NOT NULL,
        window_end timestamptz NOT NULL CHECK (window_end > window_start),
        status text NOT NULL CHECK (status IN ('REQUESTED', 'APPROVED', 'REJECTED', 'SCHEDULED', 'COMPLETED', 'CANCELLED')),
        decided_by text,
        decided_at timestamptz,
        decision_note text,
        appointment_confirmed_at timestamptz,
        report text,
        recording_reference text,
        completed_at timestamptz,
        requested_at timestamptz NOT NULL
      );
      CREATE INDEX home_visit_case_idx ON home_visit (case_id, requested_at);
      CREATE TABLE visit_violation (
        id uuid PRIMARY KEY,
        visit_id uuid,
        case_id uuid NOT NULL,
        agency_id uuid NOT NULL,
        rule text NOT NULL,
        attempted_at timestamptz NOT NULL,
        detail text
      );
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query("DROP TABLE visit_violation, home_visit");
  }
}
