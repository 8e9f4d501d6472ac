import type { MigrationInterface, QueryRunner } from "typeorm";

/**
 * Promises to pay (see modules/promises): one per activity reported with outcome PROMISE_TO_PAY,
 * kept by the payments loans records (PaymentRecorded, each recorded once in case_payment) or
 * broken at the end of its grace; and the lender's promise terms in its contact profile.
 */
export class Promises1764700100000 implements MigrationInterface {
  name = "Promises1764700100000";

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE promise_to_pay (
        id uuid PRIMARY KEY,
        case_id uuid NOT NULL,
        lender_id uuid NOT NULL,
        borrower_id uuid,
        -- null for the lender's own collectors
        agency_id uuid,
        activity_id uuid NOT NULL UNIQUE REFERENCES activity(id),
        amount_minor bigint NOT NULL CHECK (amount_minor > 0),
        currency text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
        -- a calendar date in the borrower's time zone
        due_date date NOT NULL,
        -- the contact's instant: payments count from it
        made_at timestamptz NOT NULL,
        -- the end of the due date (the PROMISE hold's end) and of its grace, in the borrower's zone, exclusive
        due_ends_at timestamptz NOT NULL,
        grace_ends_at timestamptz NOT NULL,
        -- the lender's terms when it was made
        threshold_bps int NOT NULL CHECK (threshold_bps BETWEEN 1 AND 10000),
        grace_days int NOT NULL CHECK (grace_days >= 0),
        status text NOT NULL CHECK (status IN ('PENDING', 'KEPT', 'BROKEN')),
        paid_minor bigint NOT NULL DEFAULT 0,
        kept_at timestamptz,
        broken_at timestamptz,
        reported_at timestamptz NOT NULL,
        CHECK ((status = 'KEPT') = (kept_at IS NOT NULL)),
        -- a KEPT one may carry broken_at: broken by the job, then kept by a payment received in time but heard of late
        CHECK (status <> 'BROKEN' OR broken_at IS NOT NULL),
        CHECK (status <> 'PENDING' OR broken_at IS NULL)
      );
      CREATE INDEX promise_case_idx ON promise_to_pay (case_id, made_at, id);
      CREATE INDEX promise_pending_idx ON promise_to_pay (grace_ends_at) WHERE status = 'PENDING';
      CREATE INDEX promise_due_idx ON promise_to_pay (lender_id, due_date);

      -- Each payment loans recorded against a case, once (PaymentRecorded, by paymentId).
      CREATE TABLE case_payment (
        payment_id uuid PRIMARY KEY,
        case_id uuid NOT NULL,
        loan_id uuid NOT NULL,
        amount_minor bigint NOT NULL,
        currency text NOT NULL,
        received_at timestamptz NOT NULL,
        recorded_at timestamptz NOT NULL
      );
      CREATE INDEX case_payment_idx ON case_payment (case_id, currency, received_at);

      -- The lender's promise terms ({promiseKeptThresholdBps, promiseGraceDays}); null: the defaults.
      ALTER TABLE contact_profile ADD COLUMN promise_terms jsonb;
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query("ALTER TABLE contact_profile DROP COLUMN promise_terms; DROP TABLE case_payment, promise_to_pay");
  }
}
