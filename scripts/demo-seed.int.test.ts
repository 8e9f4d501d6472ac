import { describe, expect, it } from "vitest";
import { applyToCaseDirectory, createDataSource, FixedClock, migrate, subgraphMigrations, type EventEnvelope } from "@concord/service-kit";
import { createTestDatabase } from "@concord/test-kit";
import { migrations as loansMigrations, seedDemoPortfolio } from "@concord/loans";
import { migrations as agenciesMigrations, seedDemoAgencies } from "@concord/agencies";

/**
 * `npm run reset` then `npm start` seeds the demo again: with the same DEMO_SEED every id comes
 * back the same (lenders, borrowers, loans, cases, agencies, agents, placements, visits), so the
 * tokens and ids printed before still name the same data.
 */
const TABLES = {
  loans: ["lender", "borrower", "loan", "installment", "payment", "collection_case"],
  agencies: ["agency", "agent", "placement", "home_visit"],
} as const;

/** Seeds both subgraphs' demo data into fresh databases, as npm start does, and reads back every id. */
async function seedIntoFreshDatabases(seed: number, at: string): Promise<Record<string, string[]>> {
  const clock = new FixedClock(new Date(at));
  const loansDb = await createTestDatabase("demoloans");
  const agenciesDb = await createTestDatabase("demoagencies");
  const loans = await createDataSource({ url: loansDb.url, migrations: subgraphMigrations(loansMigrations) });
  const agencies = await createDataSource({ url: agenciesDb.url, migrations: subgraphMigrations(agenciesMigrations) });
  try {
    await migrate(loans);
    await migrate(agencies);
    await seedDemoPortfolio(loans, { seed, asOf: at.slice(0, 10), borrowers: 80 }, clock);
    // What the bus carries from loans to the agencies subgraph's case directory.
    const events: EventEnvelope[] = (await loans.query("SELECT envelope FROM outbox ORDER BY seq")).map((r: { envelope: string }) => JSON.parse(r.envelope));
    await agencies.transaction((tx) => applyToCaseDirectory(tx, events));
    const seeded = await seedDemoAgencies(agencies, clock, seed);
    expect(seeded.placed).toBeGreaterThan(0);
    // npm start on a seeded database (a restart): the same demo agency, whose token it prints again.
    expect(await seedDemoAgencies(agencies, clock, seed)).toEqual({ demoAgencyId: seeded.demoAgencyId, placed: 0 });
    const ids: Record<string, string[]> = {};
    for (const [ds, tables] of [[loans, TABLES.loans], [agencies, TABLES.agencies]] as const) {
      for (const table of tables) ids[table] = (await ds.query(`SELECT id FROM ${table} ORDER BY id`)).map((r: { id: string }) => r.id);
    }
    return ids;
  } finally {
    await loans.destroy();
    await agencies.destroy();
    await loansDb.drop();
    await agenciesDb.drop();
  }
}

describe("the demo seeding", () => {
  it("gives the same ids, every table of every subgraph, when seeded again with the same seed, at another time of the day", async () => {
    const first = await seedIntoFreshDatabases(42, "2026-11-25T09:00:00Z");
    const again = await seedIntoFreshDatabases(42, "2026-11-25T17:30:00Z");
    for (const table of [...TABLES.loans, ...TABLES.agencies]) {
      expect(first[table]!.length, table).toBeGreaterThan(0);
      expect(again[table], table).toEqual(first[table]);
    }
    expect(first.home_visit).toHaveLength(1);
  });

  it("gives other ids for another seed", async () => {
    const [a, b] = [await seedIntoFreshDatabases(42, "2026-11-25T09:00:00Z"), await seedIntoFreshDatabases(43, "2026-11-25T09:00:00Z")];
    for (const table of ["lender", "collection_case", "agency", "placement"]) expect(b[table]![0], table).not.toBe(a[table]![0]);
  });
});
