import type { MigrationInterface, QueryRunner } from "typeorm";

/**
 * Disputes of a case (see modules/disputes): raised by the borrower, recorded by the lender from
 * one received in writing, or opened by a reported activity with outcome DISPUTE_RAISED; each
 * holds contact on the case until the lender resolves it.
 */
export class Disputes1764600000000 implements MigrationInterface {
  name = "Disputes1764600000000";

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE dispute (
        id uuid PRIMARY KEY,
        case_id uuid NOT NULL,
        lender_id uuid NOT NULL,
        borrower_id uuid,
        raised_by_role text NOT NULL CHECK (raised_by_role IN ('borrower', 'lender', 'agency')),
        -- the principal (sub) that raised it
        raised_by text NOT NULL,
        -- free text: may hold PII, so it never leaves this subgraph in an event; null for one a
        -- reported activity opened (the collector's notes stay on the activity, never the borrower's)
        reason text,
        status text NOT NULL CHECK (status IN ('OPEN', 'UPHELD', 'REJECTED', 'VERIFIED')),
        resolution_note text,
        raised_at timestamptz NOT NULL,
        resolved_at timestamptz,
        resolved_by text,
        -- the reported activity that opened it, if one did
        activity_id uuid UNIQUE REFERENCES activity(id),
        CHECK ((status = 'OPEN') = (resolved_at IS NULL))
      );
      -- A case has at most one open dispute: raising another returns it (naturally idempotent).
      CREATE UNIQUE INDEX dispute_one_open_idx ON dispute (case_id) WHERE status = 'OPEN';
      CREATE INDEX dispute_case_idx ON dispute (case_id, raised_at, id);
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query("DROP TABLE dispute");
  }
}
