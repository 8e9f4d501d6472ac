import type { MigrationInterface, QueryRunner } from "typeorm";

/**
 * Contact activities as reported (kept whatever rule they broke: what happened is never lost),
 * the violations each broke, and each lender's contact profile.
 */
export class Outreach1764500200000 implements MigrationInterface {
  name = "Outreach1764500200000";

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE activity (
        id uuid PRIMARY KEY,
        case_id uuid NOT NULL,
        lender_id uuid NOT NULL,
        borrower_id uuid,
        reporter_role text NOT NULL CHECK (reporter_role IN ('lender', 'agency')),
        -- the lender or agency that reported it: idempotency keys are theirs
        reporter_org uuid NOT NULL,
        -- null for the lender's own collectors
        agency_id uuid,
        idempotency_key text NOT NULL,
        -- the report's content, to tell a retry from a different report under the same key
        content_hash text NOT NULL,
        channel text NOT NULL,
        direction text NOT NULL,
        party text NOT NULL,
        contact_point text NOT NULL,
        outcome text NOT NULL,
        occurred_at timestamptz NOT NULL,
        agent_id uuid,
        notes text,
        recording_reference text,
        duration_seconds integer,
        violation_count integer NOT NULL DEFAULT 0,
        reported_at timestamptz NOT NULL,
        UNIQUE (reporter_org, idempotency_key)
      );
      -- the rules count a case's contacts by time; a case's list pages newest first
      CREATE INDEX activity_case_time_idx ON activity (case_id, occurred_at, id);
      -- the per-debtor rules count a borrower's contacts across their cases
      CREATE INDEX activity_borrower_time_idx ON activity (borrower_id, occurred_at);
      CREATE TABLE activity_violation (
        id uuid PRIMARY KEY,
        activity_id uuid NOT NULL REFERENCES activity(id),
        case_id uuid NOT NULL,
        lender_id uuid NOT NULL,
        agency_id uuid,
        rule text NOT NULL,
        message text NOT NULL,
        limit_text text NOT NULL,
        observed text NOT NULL,
        occurred_at timestamptz NOT NULL
      );
      CREATE INDEX activity_violation_activity_idx ON activity_violation (activity_id);
      CREATE TABLE contact_profile (
        lender_id uuid PRIMARY KEY,
        jurisdiction text NOT NULL CHECK (jurisdiction IN ('US_REG_F', 'CN_NIFA', 'UK_FCA')),
        -- what the lender asked for, and the parameters in force (the profile's, tightened by it)
        overrides jsonb NOT NULL,
        parameters jsonb NOT NULL,
        version bigint NOT NULL,
        updated_by text NOT NULL,
        updated_at timestamptz NOT NULL
      );
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query("DROP TABLE contact_profile, activity_violation, activity");
  }
}
