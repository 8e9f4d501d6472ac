import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FixedClock, uuidv7 } from "@concord/service-kit";
import { seedDemoPortfolio } from "@concord/loans";
import { seedDemoAgencies } from "@concord/agencies";
import { codes, until } from "@concord/test-kit";
import { startFederation, type Federation } from "../support/federation";

let fed: Federation;
const clock = new FixedClock(new Date("2026-11-25T10:00:00Z"));
let lenderId: string;
let agencyId: string;
let caseId: string;


beforeAll(async () => {
  fed = await startFederation({ clock });
  await seedDemoPortfolio(fed.loans.ds, { asOf: "2026-11-25", borrowers: 60 }, clock);
  // The loans relay publishes CaseOpened; the agencies subgraph keeps its case facts from them.
  const [{ n }] = await fed.loans.ds.query("SELECT count(*)::int AS n FROM collection_case");
  await until(async () => (await fed.agencies.ds.query("SELECT count(*)::int AS n FROM case_directory"))[0].n === n, "case facts");
  ({ demoAgencyId: agencyId } = await seedDemoAgencies(fed.agencies.ds, clock));
  const [open] = await fed.agencies.ds.query(
    `SELECT f.case_id, f.lender_id FROM case_directory f WHERE f.status = 'OPEN' AND f.region = ANY((SELECT regions FROM agency WHERE id = $1)::text[])
       AND NOT EXISTS (SELECT 1 FROM placement p WHERE p.case_id = f.case_id) ORDER BY f.case_id LIMIT 1`,
    [agencyId],
  );
  caseId = open.case_id;
  lenderId = open.lender_id;
});
afterAll(async () => fed?.stop());

const CASE = `query($id: ID!) { collectionCase(id: $id) { id daysPastDue borrower { fullName phone nationalId } activePlacement { id status agency { name } commissionBps } } }`;
const LIST = `query($f: CaseFilter) { collectionCases(first: 500, filter: $f) { totalCount edges { node { id status } } } }`;
const listed = (r: any): string[] => r.data.collectionCases.edges.map((e: any) => e.node.id);
const statusOf = async (id: string, token: string) => (await fed.query(`{ collectionCase(id: "${id}") { status } }`, {}, token)).data.collectionCase?.status;

describe("placements through the gateway", () => {
  it("a lender places its case, the agency then sees it (masked), and loses it the moment it is recalled", async () => {
    const lender = await fed.token({ role: "lender", lender_id: lenderId });
    const agency = await fed.token({ role: "agency", agency_id: agencyId });

    // Before it is placed with the agency, the case is, to the agency, no case at all.
    const before = await fed.query(CASE, { id: caseId }, agency);
    expect(codes(before)).toEqual(["NOT_FOUND"]);

    const placed = await fed.query(
      `mutation($input: PlaceCaseInput!) { placeCase(input: $input) { id status } }`,
      { input: { caseId, agencyId, expiresAt: "2027-02-01T00:00:00Z", commissionBps: 1200, maxDiscountBps: 500, maxInstalments: 6 } },
      lender,
    );
    expect(placed.errors).toBeUndefined();
    const placementId = placed.data.placeCase.id;
    await until(async () => (await fed.loans.ds.query("SELECT 1 FROM case_directory_placement WHERE placement_id = $1 AND expires_at IS NOT NULL AND ended_at IS NULL", [placementId])).length === 1, "access read model");

    const during = await fed.query(CASE, { id: caseId }, agency);
    expect(during.data.collectionCase.daysPastDue).toBeGreaterThan(0);
    expect(during.data.collectionCase.borrower.fullName).toBeTruthy();
    expect(during.data.collectionCase.borrower.phone).toMatch(/^\+\d{2} \*\*\*\*\d{4}$/);
    expect(during.data.collectionCase.borrower.nationalId).toBeNull();
    expect(during.errors?.map((e) => [e.path?.join("."), e.extensions?.code])).toEqual([["collectionCase.borrower.nationalId", "FORBIDDEN"]]);
    expect(during.data.collectionCase.activePlacement).toMatchObject({ id: placementId, status: "ACTIVE", commissionBps: 1200 });

    const mine = await fed.query(`{ collectionCases(first: 500) { edges { node { id } } } }`, {}, agency);
    expect(mine.data.collectionCases.edges.map((e: any) => e.node.id)).toContain(caseId);

    // The case's status follows the placement (loans hears of it by event): PLACED, and the lender finds it so.
    await until(async () => (await statusOf(caseId, lender)) === "PLACED", "the case PLACED in loans");
    expect(listed(await fed.query(LIST, { f: { status: "PLACED" } }, lender))).toContain(caseId);
    expect(listed(await fed.query(LIST, { f: { status: "OPEN" } }, lender))).not.toContain(caseId);
    expect(listed(await fed.query(LIST, { f: { placed: true } }, lender))).toContain(caseId);
    expect(listed(await fed.query(LIST, { f: { placed: false } }, lender))).not.toContain(caseId);
    const byAgency = listed(await fed.query(LIST, { f: { agencyId } }, lender));
    const held = (await fed.agencies.ds.query("SELECT case_id FROM placement WHERE agency_id = $1 AND lender_id = $2 AND status = 'ACTIVE'", [agencyId, lenderId])).map((r: any) => r.case_id);
    expect(byAgency.sort()).toEqual(held.sort());
    expect(byAgency).toContain(caseId);
    await until(async () => (await statusOf(caseId, agency)) === "PLACED", "the case PLACED in agencies' directory");
    expect(codes(await fed.query(LIST, { f: { placed: true } }, agency))).toEqual(["FORBIDDEN"]);

    const asLender = await fed.query(CASE, { id: caseId }, lender);
    expect(asLender.data.collectionCase.activePlacement.agency.name).toBeTruthy();
    expect(asLender.data.collectionCase.borrower.phone).not.toContain("****");

    const recalled = await fed.query(
      `mutation($id: ID!) { recallPlacement(placementId: $id, reason: "Lender handles it in-house") { status } }`,
      { id: placementId },
      lender,
    );
    expect(recalled.data.recallPlacement.status).toBe("RECALLED");
    await until(async () => (await fed.loans.ds.query("SELECT 1 FROM case_directory_placement WHERE placement_id = $1 AND ended_at IS NOT NULL", [placementId])).length === 1, "recall in the read model");

    const after = await fed.query(CASE, { id: caseId }, agency);
    expect(after.data.collectionCase).toBeNull();
    expect(codes(after)).toEqual(["FORBIDDEN"]);
    const none = await fed.query(`{ collectionCases(first: 500) { edges { node { id } } } }`, {}, agency);
    expect(none.data.collectionCases.edges.map((e: any) => e.node.id)).not.toContain(caseId);

    // OPEN again once the recall reaches loans, with the history of both moves.
    await until(async () => (await statusOf(caseId, lender)) === "OPEN", "the case OPEN again");
    expect(listed(await fed.query(LIST, { f: { status: "PLACED" } }, lender))).not.toContain(caseId);
    expect(listed(await fed.query(LIST, { f: { placed: false } }, lender))).toContain(caseId);
    expect(listed(await fed.query(LIST, { f: { agencyId } }, lender))).not.toContain(caseId);
    const history = await fed.query(`{ collectionCase(id: "${caseId}") { history { field from to reason } } }`, {}, lender);
    expect(history.data.collectionCase.history.filter((h: any) => h.field === "status")).toEqual([
      { field: "status", from: null, to: "OPEN", reason: "CASE_OPENED" },
      { field: "status", from: "OPEN", to: "PLACED", reason: "PLACEMENT_STARTED" },
      { field: "status", from: "PLACED", to: "OPEN", reason: "PLACEMENT_ENDED" },
    ]);
    // Open again, it is placeable again: agencies' directory hears of OPEN, and allocation takes it.
    await until(async () => (await fed.agencies.ds.query("SELECT status FROM case_directory WHERE case_id = $1", [caseId]))[0]?.status === "OPEN", "OPEN in agencies");
  });

  it("lets a lender allocate through the gateway, and each agency then sees exactly the cases it holds", async () => {
    const lender = await fed.token({ role: "lender", lender_id: lenderId });
    const r = await fed.query(
      `mutation($i: AllocateCasesInput!) { allocateCases(input: $i) { placed { caseId agencyId } unplaced { reason } byAgency { agencyId activeAfter capacity } } }`,
      { i: { expiresAt: "2027-02-01T00:00:00Z", commissionBps: 1500, maxDiscountBps: 1000, maxInstalments: 12 } },
      lender,
    );
    expect(r.errors).toBeUndefined();
    expect(r.data.allocateCases.placed.length).toBeGreaterThan(0);
    for (const a of r.data.allocateCases.byAgency) expect(a.activeAfter).toBeLessThanOrEqual(a.capacity);
    const [{ n }] = await fed.agencies.ds.query("SELECT count(*)::int AS n FROM placement WHERE status = 'ACTIVE'");
    await until(async () => (await fed.loans.ds.query("SELECT count(*)::int AS n FROM case_directory_placement WHERE expires_at IS NOT NULL AND ended_at IS NULL"))[0].n >= n, "access read model");
    const holds: string[] = (await fed.agencies.ds.query("SELECT case_id FROM placement WHERE agency_id = $1 AND status = 'ACTIVE' ORDER BY case_id", [agencyId])).map((x: any) => x.case_id);
    const seen = await fed.query(`{ collectionCases(first: 500) { edges { node { id } } } }`, {}, await fed.token({ role: "agency", agency_id: agencyId }));
    expect(seen.data.collectionCases.edges.map((e: any) => e.node.id).sort()).toEqual(holds);
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

describe("home visits through the gateway", () => {
  const VISIT_FIELDS = "id status windowStart windowEnd";
  it("runs request → approve → schedule → report, shows the address only inside the window, and records a report outside it as a violation", async () => {
    const agency = await fed.token({ role: "agency", agency_id: agencyId });
    const [held] = await fed.agencies.ds.query(
      "SELECT p.case_id, p.lender_id FROM placement p WHERE p.agency_id = $1 AND p.status = 'ACTIVE' ORDER BY p.id DESC LIMIT 1",
      [agencyId],
    );
    const lenderOfCase = await fed.token({ role: "lender", lender_id: held.lender_id });
    const [agent] = await fed.agencies.ds.query("SELECT id FROM agent WHERE agency_id = $1 LIMIT 1", [agencyId]);
    const [borrower] = await fed.loans.ds.query("SELECT borrower_id FROM collection_case WHERE id = $1", [held.case_id]);
    const address = `{ borrower(id: "${borrower.borrower_id}") { address } }`;
    const request = (windowStart: string, windowEnd: string) =>
      fed.query(`mutation($i: RequestHomeVisitInput!) { requestHomeVisit(input: $i) { ${VISIT_FIELDS} } }`, {
        i: { caseId: held.case_id, agentId: agent.id, reason: "No answer by phone for 30 days", windowStart, windowEnd },
      }, agency);

    expect(codes(await request("2026-11-24T10:00:00Z", "2026-11-24T12:00:00Z"))).toEqual(["BAD_USER_INPUT"]);
    expect(codes(await request("2026-11-25T12:00:00Z", "2026-11-26T13:00:00Z"))).toEqual(["BAD_USER_INPUT"]);
    const asked = await request("2026-11-25T11:00:00Z", "2026-11-25T13:00:00Z");
    expect(asked.errors).toBeUndefined();
    const visitId = asked.data.requestHomeVisit.id;
    expect(asked.data.requestHomeVisit.status).toBe("REQUESTED");

    // Without approval a report is refused, and the attempt is kept as a violation.
    const early = await fed.query(`mutation { completeHomeVisit(visitId: "${visitId}", report: "r", recordingReference: "rec-1") { status } }`, {}, agency);
    expect(codes(early)).toEqual(["FORBIDDEN"]);
    expect(codes(await fed.query(`mutation { approveHomeVisit(visitId: "${visitId}") { status } }`, {}, agency))).toEqual(["FORBIDDEN"]);
    const approved = await fed.query(`mutation { approveHomeVisit(visitId: "${visitId}", note: "Go ahead") { status } }`, {}, lenderOfCase);
    expect(approved.data.approveHomeVisit.status).toBe("APPROVED");
    const scheduled = await fed.query(`mutation { confirmHomeVisit(visitId: "${visitId}") { status } }`, {}, agency);
    expect(scheduled.data.confirmHomeVisit.status).toBe("SCHEDULED");
    await until(async () => (await fed.loans.ds.query("SELECT 1 FROM case_directory_visit WHERE visit_id = $1 AND window_start IS NOT NULL", [visitId])).length === 1, "visit window in loans");

    expect(codes(await fed.query(address, {}, agency))).toEqual(["FORBIDDEN"]); // 10:00, before the window
    clock.set("2026-11-25T12:00:00Z");
    try {
      const inside = await fed.query(address, {}, agency);
      expect(inside.errors).toBeUndefined();
      expect(inside.data.borrower.address).toBeTruthy();
      clock.set("2026-11-25T14:00:00Z");
      const late = await fed.query(`mutation { completeHomeVisit(visitId: "${visitId}", report: "late", recordingReference: "rec-2") { status } }`, {}, agency);
      expect(late.errors?.[0]?.extensions).toMatchObject({ code: "FORBIDDEN", rule: "VISIT_OUTSIDE_WINDOW" });
      clock.set("2026-11-25T12:30:00Z");
      const done = await fed.query(
        `mutation { completeHomeVisit(visitId: "${visitId}", report: "Met the borrower; promise to pay on 1 Dec", recordingReference: "rec-3") { status report recordingReference } }`,
        {},
        agency,
      );
      expect(done.data.completeHomeVisit).toEqual({ status: "COMPLETED", report: "Met the borrower; promise to pay on 1 Dec", recordingReference: "rec-3" });
      await until(async () => (await fed.loans.ds.query("SELECT 1 FROM case_directory_visit WHERE visit_id = $1 AND closed_at IS NOT NULL", [visitId])).length === 1, "visit closed in loans");
      expect(codes(await fed.query(address, {}, agency))).toEqual(["FORBIDDEN"]);
    } finally {
      clock.set("2026-11-25T10:00:00Z");
    }
    const violations = await fed.agencies.ds.query("SELECT rule FROM visit_violation WHERE visit_id = $1 ORDER BY attempted_at", [visitId]);
    expect(violations.map((v: any) => v.rule)).toEqual(["VISIT_WITHOUT_APPROVAL", "VISIT_OUTSIDE_WINDOW"]);

    // The lender, an auditor and the agency itself list them; no other agency or lender does.
    const LISTED = `{ violations(first: 50) { edges { node { rule visitId caseId agencyId } } } }`;
    const ofVisit = (r: any) => r.data.violations.edges.map((e: any) => e.node).filter((v: any) => v.visitId === visitId).map((v: any) => v.rule);
    expect(ofVisit(await fed.query(LISTED, {}, lenderOfCase))).toEqual(["VISIT_WITHOUT_APPROVAL", "VISIT_OUTSIDE_WINDOW"]);
    expect(ofVisit(await fed.query(LISTED, {}, await fed.token({ role: "auditor" })))).toEqual(["VISIT_WITHOUT_APPROVAL", "VISIT_OUTSIDE_WINDOW"]);
    expect(ofVisit(await fed.query(LISTED, {}, agency))).toEqual(["VISIT_WITHOUT_APPROVAL", "VISIT_OUTSIDE_WINDOW"]);
    expect(ofVisit(await fed.query(LISTED, {}, await fed.token({ role: "agency", agency_id: uuidv7() })))).toEqual([]);
    const otherLender = (await fed.loans.ds.query("SELECT id FROM lender WHERE id <> $1 LIMIT 1", [held.lender_id]))[0].id;
    expect(ofVisit(await fed.query(LISTED, {}, await fed.token({ role: "lender", lender_id: otherLender })))).toEqual([]);
  });

  it("lists the visits waiting for the lender's approval, and the agency's own, a page at a time", async () => {
    const agency = await fed.token({ role: "agency", agency_id: agencyId });
    const [held] = await fed.agencies.ds.query(
      `SELECT p.case_id, p.lender_id FROM placement p WHERE p.agency_id = $1 AND p.status = 'ACTIVE'
          AND NOT EXISTS (SELECT 1 FROM home_visit v WHERE v.case_id = p.case_id) ORDER BY p.id LIMIT 1`,
      [agencyId],
    );
    const lenderOfCase = await fed.token({ role: "lender", lender_id: held.lender_id });
    const [agent] = await fed.agencies.ds.query("SELECT id FROM agent WHERE agency_id = $1 LIMIT 1", [agencyId]);
    const asked = await fed.query(`mutation($i: RequestHomeVisitInput!) { requestHomeVisit(input: $i) { id } }`, {
      i: { caseId: held.case_id, agentId: agent.id, reason: "No answer by phone", windowStart: "2026-11-26T10:00:00Z", windowEnd: "2026-11-26T11:00:00Z" },
    }, agency);
    expect(asked.errors).toBeUndefined();
    const visitId = asked.data.requestHomeVisit.id;
    const VISITS = `query($f: HomeVisitFilter, $after: String) { homeVisits(first: 1, after: $after, filter: $f) {
      pageInfo { hasNextPage endCursor } edges { node { id status caseId } } } }`;
    const all = async (token: string, f: Record<string, unknown> | null) => {
      const out: any[] = [];
      for (let after: string | null = null; ; ) {
        const r: any = await fed.query(VISITS, { f, after }, token);
        expect(r.errors).toBeUndefined();
        out.push(...r.data.homeVisits.edges.map((e: any) => e.node));
        if (!r.data.homeVisits.pageInfo.hasNextPage) return out;
        after = r.data.homeVisits.pageInfo.endCursor;
      }
    };
    const waiting = await all(lenderOfCase, { status: "REQUESTED" });
    expect(waiting).toContainEqual({ id: visitId, status: "REQUESTED", caseId: held.case_id });
    expect(waiting.every((v) => v.status === "REQUESTED")).toBe(true);
    const own = (await fed.agencies.ds.query("SELECT id FROM home_visit WHERE agency_id = $1 ORDER BY id", [agencyId])).map((r: any) => r.id);
    expect((await all(agency, null)).map((v) => v.id)).toEqual(own);
    const lenders = (await fed.agencies.ds.query("SELECT id FROM home_visit WHERE lender_id = $1 ORDER BY id", [held.lender_id])).map((r: any) => r.id);
    expect((await all(lenderOfCase, null)).map((v) => v.id)).toEqual(lenders);
  });
});

describe("home visits end with the placement", () => {
  it("cancels an approved, scheduled visit when the placement is recalled, closes its window in loans at once, and refuses reporting it", async () => {
    const agency = await fed.token({ role: "agency", agency_id: agencyId });
    // A case the agency holds with no visit yet.
    const [held] = await fed.agencies.ds.query(
      `SELECT p.id, p.case_id, p.lender_id FROM placement p WHERE p.agency_id = $1 AND p.status = 'ACTIVE'
          AND NOT EXISTS (SELECT 1 FROM home_visit v WHERE v.case_id = p.case_id) ORDER BY p.id LIMIT 1`,
      [agencyId],
    );
    const lenderOfCase = await fed.token({ role: "lender", lender_id: held.lender_id });
    const [agent] = await fed.agencies.ds.query("SELECT id FROM agent WHERE agency_id = $1 LIMIT 1", [agencyId]);
    const asked = await fed.query(`mutation($i: RequestHomeVisitInput!) { requestHomeVisit(input: $i) { id } }`, {
      i: { caseId: held.case_id, agentId: agent.id, reason: "No answer by phone", windowStart: "2026-11-25T15:00:00Z", windowEnd: "2026-11-25T17:00:00Z" },
    }, agency);
    expect(asked.errors).toBeUndefined();
    const visitId = asked.data.requestHomeVisit.id;
    expect((await fed.query(`mutation { approveHomeVisit(visitId: "${visitId}") { status } }`, {}, lenderOfCase)).data.approveHomeVisit.status).toBe("APPROVED");
    expect((await fed.query(`mutation { confirmHomeVisit(visitId: "${visitId}") { status } }`, {}, agency)).data.confirmHomeVisit.status).toBe("SCHEDULED");
    const windowInLoans = (closed: boolean) =>
      until(
        async () => (await fed.loans.ds.query("SELECT 1 FROM case_directory_visit WHERE visit_id = $1 AND window_start IS NOT NULL AND (closed_at IS NOT NULL) = $2", [visitId, closed])).length === 1,
        `the visit window ${closed ? "closed" : "open"} in loans`,
      );
    await windowInLoans(false);

    const recalled = await fed.query(`mutation($id: ID!) { recallPlacement(placementId: $id, reason: "In-house") { status } }`, { id: held.id }, lenderOfCase);
    expect(recalled.data.recallPlacement.status).toBe("RECALLED");
    // Cancelled in the recall's own transaction, and closed in loans by its HomeVisitCancelled.
    const seen = await fed.query(`{ homeVisit(id: "${visitId}") { status } }`, {}, lenderOfCase);
    expect(seen.data.homeVisit.status).toBe("CANCELLED");
    await windowInLoans(true);

    clock.set("2026-11-25T16:00:00Z"); // inside the window the visit had
    try {
      const report = await fed.query(`mutation { completeHomeVisit(visitId: "${visitId}", report: "r", recordingReference: "rec") { status } }`, {}, agency);
      expect(report.data?.completeHomeVisit ?? null).toBeNull();
      expect(report.errors?.map((e) => [e.extensions?.code, e.extensions?.rule])).toEqual([["FORBIDDEN", "VISIT_AFTER_PLACEMENT_ENDED"]]);
    } finally {
      clock.set("2026-11-25T10:00:00Z");
    }
    const violations = await fed.agencies.ds.query("SELECT rule FROM visit_violation WHERE visit_id = $1", [visitId]);
    expect(violations.map((v: any) => v.rule)).toEqual(["VISIT_AFTER_PLACEMENT_ENDED"]);
  });
});
