import type { MigrationInterface, QueryRunner } from "typeorm";

/**
 * A case's contact preferences and cease request, and which reported activities were notices
 * the law requires (exempt from a cease request).
 *
 * Keyed by case, not by borrower and lender: the case directory, the holds and every contact
 * decision are per case, and a borrower's word is about the debt it was given on (a written
 * cease request names the account). Each case's opt-outs are holds of that case.
 */
export class ContactPreferences1764600100000 implements MigrationInterface {
  name = "ContactPreferences1764600100000";

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE contact_preference (
        case_id uuid PRIMARY KEY,
        lender_id uuid NOT NULL,
        opted_out_channels text[] NOT NULL DEFAULT '{}',
        preferred_channel text,
        preferred_language text,
        -- when the cease request took effect (its receipt); null: none
        cease_requested_at timestamptz,
        cease_recorded_by_role text CHECK (cease_recorded_by_role IN ('borrower', 'lender')),
        updated_at timestamptz NOT NULL,
        version bigint NOT NULL
      );
      ALTER TABLE activity ADD COLUMN required boolean NOT NULL DEFAULT false;
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query("ALTER TABLE activity DROP COLUMN required; DROP TABLE contact_preference");
  }
}
