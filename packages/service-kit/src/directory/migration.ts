import type { MigrationInterface, QueryRunner } from "typeorm";

/**
 * The case directory every subgraph keeps (see directory.ts): per case its lender, borrower,
 * status and bucket; the placements of the case with their expiry and delegated authority; and
 * approved home-visit windows. Kept from events only, never by calling another subgraph.
 */
export class CaseDirectory1764200000000 implements MigrationInterface {
  name = "CaseDirectory1764200000000";

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE case_directory (
        case_id uuid PRIMARY KEY,
        lender_id uuid NOT NULL,
        -- null only where a directory was seeded from an older read model that lacked them
        borrower_id uuid,
        loan_id uuid,
        region text NOT NULL,
        status text NOT NULL,
        bucket text,
        days_past_due integer NOT NULL,
        -- the case's aggregate version last applied: an older or equal one changes nothing
        -- (0: only events from before versions were kept have been applied)
        version bigint NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX case_directory_lender_idx ON case_directory (lender_id, status, case_id);
      CREATE INDEX case_directory_borrower_idx ON case_directory (borrower_id);
      -- A placement is ACTIVE while started, not ended and not past expires_at; an end is
      -- final, so an end applied before its start (or a start delivered again) never reopens it.
      CREATE TABLE case_directory_placement (
        placement_id uuid PRIMARY KEY,
        case_id uuid NOT NULL,
        agency_id uuid NOT NULL,
        placed_at timestamptz,
        expires_at timestamptz,
        max_discount_bps integer,
        max_instalments integer,
        ended_at timestamptz,
        end_status text
      );
      CREATE INDEX case_directory_placement_agency_idx ON case_directory_placement (agency_id, case_id) WHERE ended_at IS NULL;
      CREATE INDEX case_directory_placement_case_idx ON case_directory_placement (case_id) WHERE ended_at IS NULL;
      CREATE TABLE case_directory_visit (
        visit_id uuid PRIMARY KEY,
        case_id uuid NOT NULL,
        agency_id uuid NOT NULL,
        window_start timestamptz,
        window_end timestamptz,
        closed_at timestamptz
      );
      CREATE INDEX case_directory_visit_agency_idx ON case_directory_visit (agency_id, case_id) WHERE closed_at IS NULL;
      -- While the directory's consumer is stopped on an access-ending event it cannot apply, the
      -- ends queued behind it are unknown: no agency holds any case until it is resolved. An
      -- operator releases a bad event with UPDATE case_directory_hold SET release = true.
      CREATE TABLE case_directory_hold (
        consumer text PRIMARY KEY,
        event_id text,
        subject text NOT NULL,
        seq bigint NOT NULL,
        reason text NOT NULL,
        since timestamptz NOT NULL DEFAULT now(),
        release boolean NOT NULL DEFAULT false
      );
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query("DROP TABLE case_directory_hold, case_directory_visit, case_directory_placement, case_directory");
  }
}

/**
 * The borrower's IANA time zone on each case (a home visit's window must sit inside contact
 * hours in it): null until the case's first event that carries it.
 */
export class CaseDirectoryTimezone1764400100000 implements MigrationInterface {
  name = "CaseDirectoryTimezone1764400100000";

  async up(q: QueryRunner): Promise<void> {
    await q.query("ALTER TABLE case_directory ADD COLUMN timezone text");
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query("ALTER TABLE case_directory DROP COLUMN timezone");
  }
}

/**
 * What the contact engine reads of a case from the directory: its lender's contact profile (the
 * effective parameters of the last ContactProfileSet, by the lender's version), the contact
 * holds on the case, and the channels an agency may use under each placement. Not to be
 * confused with `case_directory_hold`, which means the directory's consumer is stopped.
 */
export class CaseDirectoryContact1764500000000 implements MigrationInterface {
  name = "CaseDirectoryContact1764500000000";

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE case_directory_profile (
        lender_id uuid PRIMARY KEY,
        jurisdiction text NOT NULL,
        parameters jsonb NOT NULL,
        -- the lender's profile version last applied: an older or equal one changes nothing
        version bigint NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now()
      );
      -- A hold's lift is final: a lift applied before its placement leaves a row with only
      -- lifted_at, which the placement fills in (kind and starts_at stay null until it does).
      CREATE TABLE case_directory_contact_hold (
        hold_id uuid PRIMARY KEY,
        case_id uuid NOT NULL,
        kind text,
        channels text[],
        starts_at timestamptz,
        ends_at timestamptz,
        lifted_at timestamptz
      );
      CREATE INDEX case_directory_contact_hold_case_idx ON case_directory_contact_hold (case_id);
      -- null: the placement's event predates channels being carried
      ALTER TABLE case_directory_placement ADD COLUMN channels text[];
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE case_directory_placement DROP COLUMN channels;
      DROP TABLE case_directory_contact_hold, case_directory_profile;
    `);
  }
}
