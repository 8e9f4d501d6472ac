import type { MigrationInterface, QueryRunner } from "typeorm";

/**
 * Hardships of a case (see modules/hardships): declared by the borrower or opened by a reported
 * activity with outcome HARDSHIP_DECLARED; each holds contact while the lender decides, and an
 * approved one for as long as the lender granted (or until it ends an open-ended one, plus 30 days).
 */
export class Hardships1764600200000 implements MigrationInterface {
  name = "Hardships1764600200000";

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE hardship (
        id uuid PRIMARY KEY,
        case_id uuid NOT NULL,
        lender_id uuid NOT NULL,
        borrower_id uuid,
        -- may be health data (SERIOUS_ILLNESS, MENTAL_HEALTH_CRISIS): never leaves this subgraph in an event
        kind text NOT NULL CHECK (kind IN ('SERIOUS_ILLNESS', 'BEREAVEMENT', 'JOB_LOSS', 'FAMILY_CRISIS', 'DISASTER', 'MENTAL_HEALTH_CRISIS', 'OTHER')),
        -- a reference to evidence held elsewhere (a document id, a letter's date), never the document
        evidence_reference text,
        declared_by_role text NOT NULL CHECK (declared_by_role IN ('borrower', 'lender', 'agency')),
        declared_by text NOT NULL,
        status text NOT NULL CHECK (status IN ('DECLARED', 'APPROVED', 'REJECTED', 'ENDED')),
        declared_at timestamptz NOT NULL,
        decided_at timestamptz,
        decided_by text,
        decision_note text,
        ended_at timestamptz,
        -- when the current hold ends; null while an approved one is open-ended, or once rejected
        hold_until timestamptz,
        activity_id uuid UNIQUE REFERENCES activity(id),
        CHECK ((status = 'DECLARED') = (decided_at IS NULL)),
        CHECK ((status = 'ENDED') = (ended_at IS NOT NULL))
      );
      CREATE INDEX hardship_case_idx ON hardship (case_id, declared_at, id);
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query("DROP TABLE hardship");
  }
}
