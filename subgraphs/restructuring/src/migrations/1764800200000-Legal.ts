import type { MigrationInterface, QueryRunner } from "typeorm";

/**
 * The legal step: each lender's restructuring terms, the facts escalateToLegal checks that other
 * subgraphs' events bring (outreach's LEGAL_WARNING notices, loans' last payment per loan and each
 * case's opening), and the escalations made. The audit log gains the LEGAL_ESCALATION action.
 */
export class Legal1764800200000 implements MigrationInterface {
  name = "Legal1764800200000";

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      -- A lender's own settings; a lender without a row has the defaults (restructuringTermsOf).
      CREATE TABLE lender_terms (
        lender_id uuid PRIMARY KEY,
        plan_grace_days integer NOT NULL CHECK (plan_grace_days BETWEEN 0 AND 60),
        legal_min_days_past_due integer NOT NULL CHECK (legal_min_days_past_due BETWEEN 30 AND 3650),
        -- null: the default of the lender's jurisdiction
        limitation_period_months integer CHECK (limitation_period_months BETWEEN 1 AND 600),
        updated_at timestamptz NOT NULL,
        updated_by text NOT NULL
      );

      -- outreach's NoticeSent of stage LEGAL_WARNING (consumer restructuring.notices)
      CREATE TABLE legal_warning_notice (
        notice_id uuid PRIMARY KEY,
        case_id uuid NOT NULL,
        sent_at timestamptz NOT NULL,
        earliest_legal_step_at timestamptz
      );
      CREATE INDEX legal_warning_notice_case_idx ON legal_warning_notice (case_id);

      -- the latest payment received on each loan, from loans' PaymentRecorded (consumer restructuring.payments)
      CREATE TABLE loan_last_payment (
        loan_id uuid PRIMARY KEY,
        payment_id uuid NOT NULL,
        received_at timestamptz NOT NULL
      );
      -- when each case was opened (CaseOpened's occurredAt): the limitation period runs from it when no payment was ever made
      CREATE TABLE case_opening (
        case_id uuid PRIMARY KEY,
        loan_id uuid NOT NULL,
        opened_at timestamptz NOT NULL
      );

      CREATE TABLE legal_escalation (
        id uuid PRIMARY KEY,
        case_id uuid NOT NULL UNIQUE,
        lender_id uuid NOT NULL,
        escalated_by text NOT NULL,
        legal_opinion_reference text NOT NULL,
        reason text NOT NULL,
        escalated_at timestamptz NOT NULL,
        -- what the checks saw
        days_past_due integer NOT NULL,
        limitation_runs_from timestamptz NOT NULL,
        limitation_period_months integer NOT NULL
      );

      ALTER TABLE audit_log DROP CONSTRAINT audit_log_action_check;
      ALTER TABLE audit_log ADD CONSTRAINT audit_log_action_check CHECK (action IN ('FORBIDDEN', 'PII_REVEAL', 'LEGAL_ESCALATION'));
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE audit_log DROP CONSTRAINT audit_log_action_check;
      ALTER TABLE audit_log ADD CONSTRAINT audit_log_action_check CHECK (action IN ('FORBIDDEN', 'PII_REVEAL'));
      DROP TABLE legal_escalation; DROP TABLE case_opening; DROP TABLE loan_last_payment; DROP TABLE legal_warning_notice; DROP TABLE lender_terms;
    `);
  }
}
