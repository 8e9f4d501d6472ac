import type { MigrationInterface, QueryRunner } from "typeorm";

/**
 * Complaints about a case (see modules/complaints): filed by the borrower or recorded by the
 * lender from one received in writing, answered by the lender within the deadlines of its
 * contact profile's jurisdiction; the overdue stages the deadline job has reported, once each.
 */
export class Complaints1764700000000 implements MigrationInterface {
  name = "Complaints1764700000000";

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE complaint (
        id uuid PRIMARY KEY,
        case_id uuid NOT NULL,
        lender_id uuid NOT NULL,
        borrower_id uuid,
        category text NOT NULL CHECK (category IN ('CONDUCT', 'CONTACT_FREQUENCY', 'PRIVACY', 'AMOUNT', 'OTHER')),
        -- free text: may hold PII, so it never leaves this subgraph in an event
        description text NOT NULL,
        filed_by_role text NOT NULL CHECK (filed_by_role IN ('borrower', 'lender')),
        -- the principal (sub) that filed it
        filed_by text NOT NULL,
        -- a retry with the same key (per borrower, or per lender) returns this complaint
        idempotency_scope text NOT NULL,
        idempotency_key text,
        status text NOT NULL CHECK (status IN ('OPEN', 'RESPONDED', 'CLOSED')),
        received_at timestamptz NOT NULL,
        -- what the deadlines were counted under: the lender's profile and the borrower's zone at receipt
        jurisdiction text NOT NULL,
        deadline_zone text NOT NULL,
        complex boolean NOT NULL DEFAULT false,
        first_response_due_at timestamptz,
        final_response_due_at timestamptz NOT NULL,
        first_responded_at timestamptz,
        closed_at timestamptz,
        version integer NOT NULL DEFAULT 1,
        CHECK ((status = 'CLOSED') = (closed_at IS NOT NULL)),
        CHECK ((status = 'OPEN') = (first_responded_at IS NULL))
      );
      CREATE UNIQUE INDEX complaint_idempotency_idx ON complaint (idempotency_scope, idempotency_key) WHERE idempotency_key IS NOT NULL;
      CREATE INDEX complaint_case_idx ON complaint (case_id, received_at, id);

      -- The deadlines still to watch, one row per complaint and stage: deleted when a response meets
      -- the stage in time (strictly before the deadline) or when the job reports it overdue, so the
      -- job reads only what may still fall due.
      CREATE TABLE complaint_deadline (
        complaint_id uuid NOT NULL REFERENCES complaint(id),
        stage text NOT NULL CHECK (stage IN ('FIRST_RESPONSE', 'FINAL_RESPONSE')),
        deadline timestamptz NOT NULL,
        PRIMARY KEY (complaint_id, stage)
      );
      CREATE INDEX complaint_deadline_due_idx ON complaint_deadline (deadline);

      CREATE TABLE complaint_response (
        id uuid PRIMARY KEY,
        complaint_id uuid NOT NULL REFERENCES complaint(id),
        -- free text, like the description
        response text NOT NULL,
        final boolean NOT NULL,
        responded_at timestamptz NOT NULL,
        responded_by text NOT NULL
      );
      CREATE INDEX complaint_response_idx ON complaint_response (complaint_id, responded_at, id);
      -- A complaint has at most one final response.
      CREATE UNIQUE INDEX complaint_final_response_idx ON complaint_response (complaint_id) WHERE final;

      -- The stages the job reported overdue (ComplaintOverdue), once each.
      CREATE TABLE complaint_overdue (
        complaint_id uuid NOT NULL REFERENCES complaint(id),
        stage text NOT NULL CHECK (stage IN ('FIRST_RESPONSE', 'FINAL_RESPONSE')),
        deadline timestamptz NOT NULL,
        reported_at timestamptz NOT NULL,
        PRIMARY KEY (complaint_id, stage)
      );
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query("DROP TABLE complaint_overdue; DROP TABLE complaint_response; DROP TABLE complaint_deadline; DROP TABLE complaint");
  }
}
