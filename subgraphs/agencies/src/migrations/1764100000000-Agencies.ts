import type { MigrationInterface, QueryRunner } from "typeorm";

/** Agencies, their agents, placements of cases with them, and the case facts they need. */
export class Agencies1764100000000 implements MigrationInterface {
  name = "Agencies1764100000000";

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE agency (
        id uuid PRIMARY KEY,
        name text NOT NULL,
        licence_number text NOT NULL UNIQUE,
        licence_review_due date NOT NULL,
        regions text[] NOT NULL,
        capacity integer NOT NULL CHECK (capacity >= 0),
        channels text[] NOT NULL,
        status text NOT NULL CHECK (status IN ('ACTIVE', 'SUSPENDED')),
        suspended_reason text,
        created_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE TABLE agent (
        id uuid PRIMARY KEY,
        agency_id uuid NOT NULL REFERENCES agency(id),
        name text NOT NULL,
        employee_number text NOT NULL,
        active boolean NOT NULL DEFAULT true,
        UNIQUE (agency_id, employee_number)
      );
      -- What agencies need to know of a case, kept from the loans subgraph's events.
      CREATE TABLE case_fact (
        case_id uuid PRIMARY KEY,
        lender_id uuid NOT NULL,
        region text NOT NULL,
        bucket text,
        status text NOT NULL,
        days_past_due integer NOT NULL,
        last_event_at timestamptz NOT NULL
      );
      CREATE INDEX case_fact_lender_idx ON case_fact (lender_id, status);
      CREATE TABLE placement (
        id uuid PRIMARY KEY,
        case_id uuid NOT NULL,
        agency_id uuid NOT NULL REFERENCES agency(id),
        lender_id uuid NOT NULL,
        placed_at timestamptz NOT NULL,
        expires_at timestamptz NOT NULL,
        status text NOT NULL CHECK (status IN ('ACTIVE', 'RECALLED', 'RETURNED', 'EXPIRED', 'COMPLETED')),
        ended_at timestamptz,
        end_reason text,
        ended_by text,
        commission_bps integer NOT NULL CHECK (commission_bps BETWEEN 0 AND 10000),
        max_discount_bps integer NOT NULL CHECK (max_discount_bps BETWEEN 0 AND 10000),
        max_instalments integer NOT NULL CHECK (max_instalments BETWEEN 1 AND 120),
        CHECK (expires_at > placed_at)
      );
      -- At most one ACTIVE placement per case, enforced by the database.
      CREATE UNIQUE INDEX placement_one_active_uq ON placement (case_id) WHERE status = 'ACTIVE';
      CREATE INDEX placement_agency_idx ON placement (agency_id, id);
      CREATE INDEX placement_case_idx ON placement (case_id, placed_at);
      CREATE INDEX placement_expiry_idx ON placement (expires_at) WHERE status = 'ACTIVE';
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query("DROP TABLE placement, case_fact, agent, agency");
  }
}
