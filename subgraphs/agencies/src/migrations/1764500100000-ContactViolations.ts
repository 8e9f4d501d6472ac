import type { MigrationInterface, QueryRunner } from "typeorm";

/**
 * Contact violations join the visit violations in one list: each row says which kind of rule it
 * broke, a contact one names its activity, the rule's limit and what was observed, and has no
 * visit. The lender's own contacts have no agency.
 */
export class ContactViolations1764500100000 implements MigrationInterface {
  name = "ContactViolations1764500100000";

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE visit_violation
        ADD COLUMN kind text NOT NULL DEFAULT 'HOME_VISIT',
        ADD COLUMN activity_id uuid,
        ADD COLUMN limit_text text,
        ADD COLUMN observed text,
        ALTER COLUMN agency_id DROP NOT NULL;
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DELETE FROM visit_violation WHERE kind <> 'HOME_VISIT';
      ALTER TABLE visit_violation ALTER COLUMN agency_id SET NOT NULL,
        DROP COLUMN observed, DROP COLUMN limit_text, DROP COLUMN activity_id, DROP COLUMN kind;
    `);
  }
}
