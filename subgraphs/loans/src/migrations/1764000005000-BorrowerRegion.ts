import type { MigrationInterface, QueryRunner } from "typeorm";

/**
 * The region a borrower lives in (the town of the address): coarse enough to share with
 * agencies for allocation, unlike the address itself.
 */
export class BorrowerRegion1764000005000 implements MigrationInterface {
  name = "BorrowerRegion1764000005000";

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE borrower ADD COLUMN region text;
      UPDATE borrower SET region = btrim(substring(address from '[^,]*$'));
      ALTER TABLE borrower ALTER COLUMN region SET NOT NULL;
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query("ALTER TABLE borrower DROP COLUMN region");
  }
}
