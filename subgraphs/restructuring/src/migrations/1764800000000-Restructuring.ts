import type { MigrationInterface, QueryRunner } from "typeorm";

/**
 * The restructuring subgraph's own tables: each case's money as the loans subgraph's case events
 * say (case_figures), the offers made on cases, and the plans accepted offers became.
 */
export class Restructuring1764800000000 implements MigrationInterface {
  name = "Restructuring1764800000000";

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      -- A read model of the loans subgraph's CaseOpened / CaseUpdated / CaseResolved: applied only
      -- when the event's aggregateVersion is newer than the row's (bus order, never wall clocks).
      CREATE TABLE case_figures (
        case_id uuid PRIMARY KEY,
        lender_id uuid NOT NULL,
        version integer NOT NULL,
        status text NOT NULL,
        days_past_due integer NOT NULL,
        outstanding_minor bigint NOT NULL CHECK (outstanding_minor >= 0),
        overdue_minor bigint NOT NULL CHECK (overdue_minor >= 0),
        currency char(3) NOT NULL,
        -- null until an event carrying them has been applied (events written before they were carried)
        annual_rate_bps integer,
        remaining_instalments integer,
        next_due_date date,
        lender_timezone text,
        as_of date NOT NULL,
        updated_at timestamptz NOT NULL
      );

      CREATE TABLE offer (
        id uuid PRIMARY KEY,
        case_id uuid NOT NULL,
        lender_id uuid NOT NULL,
        borrower_id uuid,
        -- the agency that proposed it; null for the lender's own
        agency_id uuid,
        proposed_by_role text NOT NULL CHECK (proposed_by_role IN ('lender', 'agency')),
        -- the proposer's organisation (its lender or agency id): idempotency keys are per organisation
        proposer_org uuid NOT NULL,
        proposed_by text NOT NULL,
        idempotency_key text NOT NULL,
        content_hash text NOT NULL,
        kind text NOT NULL CHECK (kind IN ('INSTALLMENT_PLAN', 'INTEREST_WAIVER', 'TERM_EXTENSION', 'SETTLEMENT', 'PAYMENT_HOLIDAY')),
        -- the kind's terms as given (minor units as strings)
        terms jsonb NOT NULL,
        -- [{ sequence, dueDate, amountMinor }] as the schedule calculation produced it
        schedule jsonb NOT NULL,
        total_payable_minor bigint NOT NULL CHECK (total_payable_minor >= 0),
        total_forgiven_minor bigint NOT NULL CHECK (total_forgiven_minor >= 0),
        currency char(3) NOT NULL,
        status text NOT NULL CHECK (status IN ('DRAFT', 'PENDING_APPROVAL', 'PROPOSED', 'ACCEPTED', 'REJECTED', 'EXPIRED', 'WITHDRAWN')),
        -- raised by every change: the borrower accepts the version it saw
        version integer NOT NULL DEFAULT 1,
        expires_at timestamptz NOT NULL,
        created_at timestamptz NOT NULL,
        -- when it was put to the borrower (at once, or on the lender's approval): the borrower sees it from then
        proposed_at timestamptz,
        decided_at timestamptz,
        decided_by_role text,
        -- a rejection's reason (free text: never in an event)
        decision_note text,
        -- the lender's note approving an offer beyond the agency's authority: never the borrower's to read
        approval_note text,
        UNIQUE (proposer_org, idempotency_key)
      );
      CREATE INDEX offer_case_idx ON offer (case_id, created_at, id);
      CREATE INDEX offer_borrower_idx ON offer (borrower_id, created_at, id) WHERE proposed_at IS NOT NULL;
      CREATE INDEX offer_expiry_idx ON offer (expires_at) WHERE status IN ('DRAFT', 'PENDING_APPROVAL', 'PROPOSED');

      CREATE TABLE plan (
        id uuid PRIMARY KEY,
        offer_id uuid NOT NULL UNIQUE REFERENCES offer(id),
        case_id uuid NOT NULL,
        lender_id uuid NOT NULL,
        borrower_id uuid,
        status text NOT NULL CHECK (status IN ('ACTIVE', 'COMPLETED', 'BROKEN')),
        total_payable_minor bigint NOT NULL,
        total_forgiven_minor bigint NOT NULL,
        currency char(3) NOT NULL,
        version integer NOT NULL DEFAULT 1,
        started_at timestamptz NOT NULL
      );
      -- At most one ACTIVE plan per case: of two acceptances at once, the second finds the first.
      CREATE UNIQUE INDEX plan_one_active_idx ON plan (case_id) WHERE status = 'ACTIVE';
      CREATE INDEX plan_case_idx ON plan (case_id, started_at, id);

      CREATE TABLE plan_instalment (
        plan_id uuid NOT NULL REFERENCES plan(id),
        sequence integer NOT NULL CHECK (sequence >= 1),
        due_date date NOT NULL,
        amount_minor bigint NOT NULL CHECK (amount_minor >= 0),
        paid_minor bigint NOT NULL DEFAULT 0 CHECK (paid_minor >= 0),
        status text NOT NULL CHECK (status IN ('DUE', 'PAID', 'PARTIALLY_PAID', 'MISSED')),
        PRIMARY KEY (plan_id, sequence)
      );
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query("DROP TABLE plan_instalment; DROP TABLE plan; DROP TABLE offer; DROP TABLE case_figures");
  }
}
