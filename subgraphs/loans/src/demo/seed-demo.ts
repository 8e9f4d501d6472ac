import { localDate, type DemoParties, type DemoSeedContext } from "@concord/service-kit";
import { refreshDelinquency } from "../modules/collection-case/collection-case.service";
import { demoCaseId, seedDemoPortfolio } from "./seed";

/**
 * `npm start`'s demo data in loans: the generated portfolio on an empty database, else the
 * existing data with today's delinquency run. Finds the lender and borrower whose tokens the
 * banner prints, and counts the open cases the agencies subgraph waits to hear of.
 */
export async function seedDemo({ ds, seed, clock, say }: DemoSeedContext): Promise<Partial<DemoParties>> {
  const seeded = await seedDemoPortfolio(ds, { seed, asOf: localDate(clock.now(), "UTC") }, clock);
  // Each lender's today; on the first run the cases it opens (a lender whose day is ahead of UTC's)
  // are part of the seeding and get derived ids too.
  const refresh = await refreshDelinquency(ds, clock, undefined, null, undefined, seeded.seeded ? demoCaseId(seed) : undefined);
  if (seeded.seeded) say(`Seeded the demo portfolio: ${seeded.lenders} lenders, ${seeded.borrowers} borrowers, ${seeded.loans} loans (seed ${seed}).`);
  else say(`Using the existing data (delinquency refreshed: ${refresh.casesOpened} opened, ${refresh.casesUpdated} updated, ${refresh.casesResolved} resolved).`);
  const [lender] = await ds.query("SELECT id, name FROM lender ORDER BY name LIMIT 1");
  const [borrower] = await ds.query(
    `SELECT b.id, b.full_name AS name FROM borrower b JOIN collection_case c ON c.borrower_id = b.id
      WHERE c.lender_id = $1 AND c.status IN ('OPEN', 'PLACED') ORDER BY c.days_past_due DESC, b.id LIMIT 1`,
    [lender.id],
  );
  const [{ n: openCases }] = await ds.query("SELECT count(*)::int AS n FROM collection_case");
  return { lender, borrower, openCases };
}
