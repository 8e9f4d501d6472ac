import type { DemoParties, DemoSeedContext } from "@concord/service-kit";
import { seedDemoAgencies } from "./seed";

/** How long to wait for loans' case events to arrive before placing what has arrived. */
const FACTS_WAIT_MS = 60_000;

/**
 * `npm start`'s demo data in agencies: demo agencies and placements, once this subgraph has the
 * cases its case directory keeps from the loans subgraph's events (they travel over the bus, so they take
 * a moment the first time). Gives the agency whose token the banner prints, and how many
 * placements there are for the subgraphs that learn of them from the bus.
 */
export async function seedDemo({ ds, seed, clock, demo, say }: DemoSeedContext): Promise<Partial<DemoParties>> {
  const deadline = Date.now() + FACTS_WAIT_MS;
  for (;;) {
    const [{ facts, agencies }] = await ds.query(
      "SELECT (SELECT count(*)::int FROM case_directory) AS facts, (SELECT count(*)::int FROM agency) AS agencies",
    );
    if (agencies > 0 || facts >= (demo.openCases ?? 0) || Date.now() > deadline) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  const seeded = await seedDemoAgencies(ds, clock, seed);
  if (seeded.placed) say(`Seeded 3 demo agencies and placed ${seeded.placed} cases with them.`);
  // Every placement, ended ones too: the other subgraphs' case directories keep those as well.
  const [{ placedCases }] = await ds.query("SELECT count(*)::int AS \"placedCases\" FROM placement");
  return { agencyId: seeded.demoAgencyId, placedCases };
}
