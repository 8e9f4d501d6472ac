import { describe, expect, it } from "vitest";
import { applyToCaseDirectory, createDataSource, FixedClock, migrate, subgraphMigrations, type EventEnvelope } from "@concord/service-kit";
import { createTestDatabase } from "@concord/test-kit";
import { migrations as loansMigrations, seedDemoPortfolio } from "@concord/loans";
import { migrations as agenciesMigrations, seedDemoAgencies } from "@concord/agencies";
import { migrations as outreachMigrations, seedDemo as seedOutreachDemo } from "@concord/outreach";

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

/**
 * Outreach's demo contacts, reported through reportActivity as the agencies holding the cases,
 * on top of the loans and agencies demo data (their events applied to outreach's case directory
 * as the bus would): the rules run for real, and only the 8th call attempt in 7 days breaks one.
 */
describe("the demo contacts", () => {
  async function seededFederation(seed: number, at: string) {
    const clock = new FixedClock(new Date(at));
    const dbs = await Promise.all(["demoloans", "demoagencies", "demooutreach"].map((label) => createTestDatabase(label)));
    const [loans, agencies, outreach] = await Promise.all(
      [loansMigrations, agenciesMigrations, outreachMigrations].map((m, i) => createDataSource({ url: dbs[i]!.url, migrations: subgraphMigrations(m) })),
    );
    const outbox = async (ds: typeof loans): Promise<EventEnvelope[]> =>
      (await ds!.query("SELECT envelope FROM outbox ORDER BY seq")).map((r: { envelope: string }) => JSON.parse(r.envelope));
    for (const ds of [loans, agencies, outreach]) await migrate(ds!);
    await seedDemoPortfolio(loans!, { seed, asOf: at.slice(0, 10), borrowers: 80 }, clock);
    await agencies!.transaction(async (tx) => applyToCaseDirectory(tx, await outbox(loans)));
    const { demoAgencyId } = await seedDemoAgencies(agencies!, clock, seed);
    // The bus's order: loans' case events, then agencies' placements.
    const events = [...(await outbox(loans)), ...(await outbox(agencies))];
    await outreach!.transaction((tx) => applyToCaseDirectory(tx, events));
    const [{ n: placedCases }] = await agencies!.query("SELECT count(*)::int AS n FROM placement");
    const said: string[] = [];
    const seedOutreach = (when: Date) =>
      seedOutreachDemo({ ds: outreach!, seed, clock: new FixedClock(when), demo: { agencyId: demoAgencyId, placedCases }, say: (l) => said.push(l) });
    const counts = async () => {
      const [row] = await outreach!.query(
        `SELECT (SELECT count(*)::int FROM activity) AS activities, (SELECT count(*)::int FROM activity_violation) AS violations,
                (SELECT count(*)::int FROM outbox) AS events, (SELECT count(*)::int FROM contact_profile) AS profiles`,
      );
      return row as { activities: number; violations: number; events: number; profiles: number };
    };
    return {
      outreach: outreach!,
      said,
      seedOutreach,
      counts,
      async drop() {
        for (const ds of [loans, agencies, outreach]) await ds!.destroy();
        for (const db of dbs) await db.drop();
      },
    };
  }

  it("reports the contacts through the rules: the 7th call attempt in 7 days is allowed, the 8th stored, flagged and emitted as CALL_ATTEMPTS_7_DAYS", async () => {
    const at = new Date("2026-11-25T09:00:00Z");
    const f = await seededFederation(42, at.toISOString());
    try {
      const parties = await f.seedOutreach(at);
      expect(parties.flaggedCaseId).toBeDefined();
      expect(parties.contactCaseId).toBeDefined();
      const attempts = await f.outreach.query(
        "SELECT id, occurred_at, violation_count FROM activity WHERE case_id = $1 ORDER BY occurred_at",
        [parties.flaggedCaseId],
      );
      expect(attempts).toHaveLength(8);
      // Within 7 local days of each other, and before the seeding's instant.
      expect(new Date(attempts[7].occurred_at).getTime() - new Date(attempts[0].occurred_at).getTime()).toBeLessThan(7 * 86_400_000);
      expect(new Date(attempts[7].occurred_at).getTime()).toBeLessThan(at.getTime());
      expect(attempts.map((a: { violation_count: number }) => a.violation_count)).toEqual([0, 0, 0, 0, 0, 0, 0, 1]);
      // The only rule broken in the whole demo.
      const violations = await f.outreach.query("SELECT id, activity_id, rule, observed, case_id FROM activity_violation");
      expect(violations).toEqual([expect.objectContaining({ activity_id: attempts[7].id, rule: "CALL_ATTEMPTS_7_DAYS", observed: "8", case_id: parties.flaggedCaseId })]);
      const emitted = (await f.outreach.query("SELECT envelope FROM outbox WHERE type = 'ComplianceViolation'")).map((r: { envelope: string }) => JSON.parse(r.envelope));
      expect(emitted.map((e: EventEnvelope) => e.payload)).toEqual([expect.objectContaining({ violationId: violations[0].id, rule: "CALL_ATTEMPTS_7_DAYS", caseId: parties.flaggedCaseId })]);
      // Several cases of more than one agency, and each demo lender's profile from its borrowers' zone.
      const [{ cases, reporters }] = await f.outreach.query("SELECT count(DISTINCT case_id)::int AS cases, count(DISTINCT reporter_org)::int AS reporters FROM activity");
      expect(cases).toBeGreaterThanOrEqual(4);
      expect(reporters).toBe(2);
      const profiles = await f.outreach.query(
        `SELECT DISTINCT d.timezone, p.jurisdiction, p.parameters->>'maxCallAttemptsPer7Days' AS cap
           FROM contact_profile p JOIN case_directory d ON d.lender_id = p.lender_id ORDER BY d.timezone`,
      );
      expect(profiles).toEqual([
        { timezone: "Asia/Shanghai", jurisdiction: "CN_NIFA", cap: null },
        { timezone: "Europe/London", jurisdiction: "UK_FCA", cap: "7" },
      ]);
      expect(f.said.join("\n")).toContain("CALL_ATTEMPTS_7_DAYS");
      // One open dispute and one approved hardship holding contact, each opened by a demo report.
      const disputes = await f.outreach.query("SELECT case_id, status, activity_id FROM dispute");
      expect(disputes).toEqual([{ case_id: parties.disputedCaseId, status: "OPEN", activity_id: expect.any(String) }]);
      const hardships = await f.outreach.query("SELECT case_id, status, hold_until FROM hardship");
      expect(hardships).toEqual([{ case_id: parties.hardshipCaseId, status: "APPROVED", hold_until: new Date(at.getTime() + 60 * 86_400_000) }]);
      const holds = await f.outreach.query("SELECT case_id, kind FROM contact_hold WHERE lifted_at IS NULL ORDER BY kind");
      expect(holds).toEqual([
        { case_id: parties.hardshipCaseId, kind: "BREATHING_SPACE" },
        { case_id: parties.disputedCaseId, kind: "DISPUTE" },
        // The pending promise's hold on calls; the broken one's is lifted.
        { case_id: parties.contactCaseId, kind: "PROMISE" },
      ]);
      // One promise to pay still pending on the conversation's case, and one broken (its grace ended 6 days back) on another.
      const promises = await f.outreach.query("SELECT case_id, status, due_date::text AS due FROM promise_to_pay ORDER BY made_at");
      expect(promises).toEqual([
        { case_id: expect.any(String), status: "BROKEN", due: expect.any(String) },
        { case_id: parties.contactCaseId, status: "PENDING", due: expect.any(String) },
      ]);
      expect(promises[0].case_id).toBe(parties.brokenPromiseCaseId);
      const broken = (await f.outreach.query("SELECT envelope FROM outbox WHERE type = 'PromiseBroken'")).map((r: { envelope: string }) => JSON.parse(r.envelope).payload);
      expect(broken).toEqual([expect.objectContaining({ caseId: promises[0].case_id, paidMinor: "0" })]);
    } finally {
      await f.drop();
    }
  });

  it("adds nothing when seeded again, the same day or days later, and names the same cases", async () => {
    const at = new Date("2026-11-25T09:00:00Z");
    const f = await seededFederation(42, at.toISOString());
    try {
      const first = await f.seedOutreach(at);
      const before = await f.counts();
      expect(before.violations).toBe(1);
      f.said.length = 0;
      for (const when of [new Date(at.getTime() + 3_600_000), new Date(at.getTime() + 3 * 86_400_000)]) {
        expect(await f.seedOutreach(when)).toEqual(first);
        expect(await f.counts()).toEqual(before);
      }
      expect(f.said).toEqual([]);
    } finally {
      await f.drop();
    }
  });

  it("replays what a seeding stopped halfway had reported, and completes it", async () => {
    const at = new Date("2026-11-25T09:00:00Z");
    const f = await seededFederation(42, at.toISOString());
    try {
      const first = await f.seedOutreach(at);
      const complete = await f.counts();
      // As if the start had been stopped before the demo agency's last reports.
      const [last] = await f.outreach.query("SELECT id FROM activity WHERE case_id = $1 ORDER BY occurred_at DESC LIMIT 1", [first.flaggedCaseId]);
      await f.outreach.query("DELETE FROM outbox WHERE envelope::jsonb->>'aggregateId' = $1", [last.id]);
      await f.outreach.query("DELETE FROM activity_violation WHERE activity_id = $1", [last.id]);
      await f.outreach.query("DELETE FROM activity WHERE id = $1", [last.id]);
      expect(await f.seedOutreach(new Date(at.getTime() + 86_400_000))).toEqual(first);
      expect(await f.counts()).toEqual(complete);
    } finally {
      await f.drop();
    }
  });
});
