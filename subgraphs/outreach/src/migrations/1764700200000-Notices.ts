import type { MigrationInterface, QueryRunner } from "typeorm";

/**
 * Notices (see modules/notices): what the loans subgraph's case events say is overdue
 * (case_balance, a read model kept by the outreach.case-balance consumer), the notices sent on a
 * case (one per stage), and the notice part of a lender's contact profile.
 */
export class Notices1764700200000 implements MigrationInterface {
  name = "Notices1764700200000";

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE case_balance (
        case_id uuid PRIMARY KEY,
        lender_id uuid NOT NULL,
        amount_overdue_minor bigint NOT NULL,
        currency text NOT NULL,
        days_past_due int NOT NULL,
        -- the loans subgraph's assessment date (the lender's time zone)
        as_of date NOT NULL,
        -- the case's aggregateVersion: an event applies only when newer (0: from before versions were kept)
        version bigint NOT NULL,
        updated_at timestamptz NOT NULL
      );
      CREATE TABLE notice (
        id uuid PRIMARY KEY,
        case_id uuid NOT NULL,
        lender_id uuid NOT NULL,
        borrower_id uuid,
        stage text NOT NULL CHECK (stage IN ('FIRST_REMINDER', 'GRACE_NOTICE', 'CREDIT_RECORD_CONSEQUENCE', 'LEGAL_WARNING', 'VALIDATION_NOTICE')),
        channel text NOT NULL CHECK (channel IN ('LETTER', 'EMAIL')),
        language text NOT NULL,
        required boolean NOT NULL,
        sent_at timestamptz NOT NULL,
        sent_by_role text NOT NULL CHECK (sent_by_role IN ('lender', 'agency')),
        sent_by text NOT NULL,
        activity_id uuid NOT NULL UNIQUE REFERENCES activity(id),
        -- what the notice stated, as rendered (amounts and dates, never PII)
        amount_overdue_minor bigint NOT NULL,
        currency text NOT NULL,
        due_date date NOT NULL,
        subject text NOT NULL,
        body text NOT NULL,
        earliest_legal_step_at timestamptz,
        UNIQUE (case_id, stage)
      );
      ALTER TABLE contact_profile ADD COLUMN notice_rules jsonb;
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query("ALTER TABLE contact_profile DROP COLUMN notice_rules; DROP TABLE notice; DROP TABLE case_balance;");
  }
}
