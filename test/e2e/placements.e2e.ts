import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FixedClock } from "@concord/service-kit";
import { seedDemoPortfolio } from "@concord/loans";
import { seedDemoAgencies } from "@concord/agencies";
import { codes } from "@concord/test-kit";
import { startFederation, type Federation } from "../support/federation";

let fed: Federation;
const clock = new FixedClock(new Date("2026-11-25T10:00:00Z"));
let lenderId: string;
let agencyId: string;
let caseId: string;

async function until(cond: () => Promise<boolean>, what: string, ms = 30_000) {
  const deadline = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

beforeAll(async () => {
  fed = await startFederation({ clock });
  await seedDemoPortfolio(fed.loans.ds, { asOf: "2026-11-25", borrowers: 60 }, clock);
  // The loans relay publishes CaseOpened; the agencies subgraph keeps its case facts from them.
  const [{ n }] = await fed.loans.ds.query("SELECT count(*)::int AS n FROM collection_case");
  await until(async () => (await fed.agencies.ds.query("SELECT count(*)::int AS n FROM case_fact"))[0].n === n, "case facts");
  ({ demoAgencyId: agencyId } = await seedDemoAgencies(fed.agencies.ds, clock));
  const [open] = await fed.agencies.ds.query(
    `SELECT f.case_id, f.lender_id FROM case_fact f WHERE f.status = 'OPEN' AND f.region = ANY((SELECT regions FROM agency WHERE id = $1)::text[])
       AND NOT EXISTS (SELECT 1 FROM placement p WHERE p.case_id = f.case_id) ORDER BY f.case_id LIMIT 1`,
    [agencyId],
  );
  caseId = open.case_id;
  lenderId = open.lender_id;
});
afterAll(async () => fed?.stop());

const CASE = `query($id: ID!) { collectionCase(id: $id) { id daysPastDue borrower { fullName phone nationalId } activePlacement { id status agency { name } commissionBps } } }`;

describe("placements through the gateway", () => {
  it("a lender places its case, the agency then sees it (masked), and loses it the moment it is recalled", async () => {
    const lender = await fed.token({ role: "lender", lender_id: lenderId });
    const agency = await fed.token({ role: "agency", agency_id: agencyId });

    const before = await fed.query(CASE, { id: caseId }, agency);
    expect(codes(before)).toEqual(["FORBIDDEN"]);

    const placed = await fed.query(
      `mutation($input: PlaceCaseInput!) { placeCase(input: $input) { id status } }`,
      { input: { caseId, agencyId, expiresAt: "2027-02-01T00:00:00Z", commissionBps: 1200, maxDiscountBps: 500, maxInstalments: 6 } },
      lender,
    );
    expect(placed.errors).toBeUndefined();
    const placementId = placed.data.placeCase.id;
    await until(async () => (await fed.loans.ds.query("SELECT 1 FROM case_access WHERE placement_id = $1 AND active", [placementId])).length === 1, "access read model");

    const during = await fed.query(CASE, { id: caseId }, agency);
    expect(during.data.collectionCase.daysPastDue).toBeGreaterThan(0);
    expect(during.data.collectionCase.borrower.fullName).toBeTruthy();
    expect(during.data.collectionCase.borrower.phone).toMatch(/^\+\d{2} \*\*\*\*\d{4}$/);
    expect(during.data.collectionCase.borrower.nationalId).toBeNull();
    expect(during.errors?.map((e) => [e.path?.join("."), e.extensions?.code])).toEqual([["collectionCase.borrower.nationalId", "FORBIDDEN"]]);
    expect(during.data.collectionCase.activePlacement).toMatchObject({ id: placementId, status: "ACTIVE", commissionBps: 1200 });

    const mine = await fed.query(`{ collectionCases(first: 500) { edges { node { id } } } }`, {}, agency);
    expect(mine.data.collectionCases.edges.map((e: any) => e.node.id)).toContain(caseId);

    const asLender = await fed.query(CASE, { id: caseId }, lender);
    expect(asLender.data.collectionCase.activePlacement.agency.name).toBeTruthy();
    expect(asLender.data.collectionCase.borrower.phone).not.toContain("****");

    const recalled = await fed.query(
      `mutation($id: ID!) { recallPlacement(placementId: $id, reason: "Lender handles it in-house") { status } }`,
      { id: placementId },
      lender,
    );
    expect(recalled.data.recallPlacement.status).toBe("RECALLED");
    await until(async () => (await fed.loans.ds.query("SELECT 1 FROM case_access WHERE placement_id = $1 AND NOT active", [placementId])).length === 1, "recall in the read model");

    const after = await fed.query(CASE, { id: caseId }, agency);
    expect(after.data.collectionCase).toBeNull();
    expect(codes(after)).toEqual(["FORBIDDEN"]);
    const none = await fed.query(`{ collectionCases(first: 500) { edges { node { id } } } }`, {}, agency);
    expect(none.data.collectionCases.edges.map((e: any) => e.node.id)).not.toContain(caseId);
  });

  it("shows an agency its own agency and placements only", async () => {
    const agency = await fed.token({ role: "agency", agency_id: agencyId });
    const r = await fed.query(`{ agencies { id name agents { employeeNumber } placements(first: 5) { edges { node { id status } } } } }`, {}, agency);
    expect(r.errors).toBeUndefined();
    expect(r.data.agencies.map((a: any) => a.id)).toEqual([agencyId]);
    expect(r.data.agencies[0].agents.length).toBeGreaterThan(0);
    const lender = await fed.token({ role: "lender", lender_id: lenderId });
    const all = await fed.query(`{ agencies { name status } }`, {}, lender);
    expect(all.data.agencies.length).toBe(3);
    expect(all.data.agencies.map((a: any) => a.status)).toContain("SUSPENDED");
  });
});
