import type { MigrationInterface, QueryRunner } from "typeorm";

/** Lenders, borrowers, loans with their schedules and payments, and collection cases with history. */
export class InitialSchema1764000000000 implements MigrationInterface {
  name = "InitialSchema1764000000000";

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE lender (
        id uuid PRIMARY KEY,
        name text NOT NULL,
        timezone text NOT NULL,
        currency char(3) NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE TABLE borrower (
        id uuid PRIMARY KEY,
        lender_id uuid NOT NULL REFERENCES lender(id),
        full_name text NOT NULL,
        national_id text NOT NULL,
        date_of_birth date NOT NULL,
        phone text NOT NULL,
        email text,
        address text NOT NULL,
        employer text,
        monthly_income_minor bigint CHECK (monthly_income_minor >= 0),
        income_currency char(3),
        timezone text NOT NULL,
        preferred_language text NOT NULL,
        vulnerable boolean NOT NULL DEFAULT false,
        created_at timestamptz NOT NULL DEFAULT now(),
        CHECK ((monthly_income_minor IS NULL) = (income_currency IS NULL))
      );
      CREATE INDEX borrower_lender_idx ON borrower (lender_id, id);
      CREATE TABLE loan (
        id uuid PRIMARY KEY,
        lender_id uuid NOT NULL REFERENCES lender(id),
        borrower_id uuid NOT NULL REFERENCES borrower(id),
        reference text NOT NULL,
        principal_minor bigint NOT NULL CHECK (principal_minor > 0),
        currency char(3) NOT NULL,
        annual_rate_bps integer NOT NULL CHECK (annual_rate_bps >= 0),
        term_months integer NOT NULL CHECK (term_months > 0),
        originated_on date NOT NULL,
        status text NOT NULL CHECK (status IN ('ACTIVE', 'DELINQUENT', 'PAID_OFF', 'WRITTEN_OFF')),
        created_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (lender_id, reference)
      );
      CREATE INDEX loan_borrower_idx ON loan (borrower_id, id);
      CREATE INDEX loan_open_idx ON loan (lender_id) WHERE status IN ('ACTIVE', 'DELINQUENT');
      CREATE TABLE installment (
        id uuid PRIMARY KEY,
        loan_id uuid NOT NULL REFERENCES loan(id),
        seq integer NOT NULL CHECK (seq > 0),
        due_date date NOT NULL,
        amount_due_minor bigint NOT NULL CHECK (amount_due_minor > 0),
        amount_paid_minor bigint NOT NULL DEFAULT 0,
        CHECK (amount_paid_minor BETWEEN 0 AND amount_due_minor),
        UNIQUE (loan_id, seq)
      );
      CREATE TABLE payment (
        id uuid PRIMARY KEY,
        lender_id uuid NOT NULL REFERENCES lender(id),
        loan_id uuid NOT NULL REFERENCES loan(id),
        amount_minor bigint NOT NULL CHECK (amount_minor > 0),
        currency char(3) NOT NULL,
        received_at timestamptz NOT NULL,
        external_reference text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (lender_id, external_reference)
      );
      CREATE INDEX payment_loan_idx ON payment (loan_id, received_at);
      CREATE TABLE collection_case (
        id uuid PRIMARY KEY,
        lender_id uuid NOT NULL REFERENCES lender(id),
        loan_id uuid NOT NULL REFERENCES loan(id),
        borrower_id uuid NOT NULL REFERENCES borrower(id),
        status text NOT NULL CHECK (status IN ('OPEN', 'PLACED', 'ARRANGEMENT', 'DISPUTED', 'HARDSHIP', 'CEASED', 'LEGAL', 'RESOLVED', 'WRITTEN_OFF')),
        days_past_due integer NOT NULL CHECK (days_past_due >= 0),
        bucket text CHECK (bucket IN ('DPD_1_30', 'DPD_31_60', 'DPD_61_90', 'DPD_91_180', 'DPD_180_PLUS')),
        amount_overdue_minor bigint NOT NULL CHECK (amount_overdue_minor >= 0),
        outstanding_balance_minor bigint NOT NULL CHECK (outstanding_balance_minor >= 0),
        currency char(3) NOT NULL,
        oldest_unpaid_due_date date,
        as_of date NOT NULL,
        opened_at timestamptz NOT NULL,
        resolved_at timestamptz,
        updated_at timestamptz NOT NULL
      );
      -- One open case per delinquent loan, enforced by the database.
      CREATE UNIQUE INDEX collection_case_open_loan_uq ON collection_case (loan_id)
        WHERE status NOT IN ('RESOLVED', 'WRITTEN_OFF');
      CREATE INDEX collection_case_lender_idx ON collection_case (lender_id, id);
      CREATE INDEX collection_case_loan_idx ON collection_case (loan_id, opened_at);
      CREATE TABLE case_event (
        id uuid PRIMARY KEY,
        case_id uuid NOT NULL REFERENCES collection_case(id),
        field text NOT NULL,
        from_value text,
        to_value text,
        reason text NOT NULL,
        as_of date NOT NULL,
        occurred_at timestamptz NOT NULL
      );
      CREATE INDEX case_event_case_idx ON case_event (case_id, id);
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE case_event, collection_case, payment, installment, loan, borrower, lender`);
  }
}
