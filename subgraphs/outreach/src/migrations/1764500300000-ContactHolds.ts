import type { MigrationInterface, QueryRunner } from "typeorm";

/** The contact holds outreach places (see modules/holds/holds.ts), with what placed each. */
export class ContactHolds1764500300000 implements MigrationInterface {
  name = "ContactHolds1764500300000";

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE contact_hold (
        id uuid PRIMARY KEY,
        case_id uuid NOT NULL,
        lender_id uuid NOT NULL,
        kind text NOT NULL,
        channels text[] NOT NULL,
        starts_at timestamptz NOT NULL,
        ends_at timestamptz,
        lifted_at timestamptz,
        source_type text NOT NULL,
        source_id uuid NOT NULL,
        placed_at timestamptz NOT NULL
      );
      CREATE INDEX contact_hold_source_idx ON contact_hold (source_type, source_id) WHERE lifted_at IS NULL;
      CREATE INDEX contact_hold_case_idx ON contact_hold (case_id);
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query("DROP TABLE contact_hold");
  }
}
