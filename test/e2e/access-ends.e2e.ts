import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FixedClock, uuidv7 } from "@concord/service-kit";
import { seedDemoPortfolio } from "@concord/loans";
import { suspendAgency } from "@concord/agencies";
import { codes, holdJobLock, until, type GqlResponse } from "@concord/test-kit";
import { startFederation, type Federation } from "../support/federation";

/**
 * An agency's access to a case ends at the instant its placement does, through the gateway:
 * at `expiresAt` with no expiry job run, and as soon as the case directory has applied a recall,
 * a return, the agency's suspension or the case's resolution. Each test places a case of its
 * own with an agency of its own, shows that agency sees the case, ends the placement one way,
 * and shows that everything the agency saw or could do with the case is refused.
 */

let fed: Federation;
/** 11:00 in London, 19:00 in Shanghai: inside contact hours (08:00-21:00) for every demo borrower. */
const START = new Date("2026-11-25T11:00:00Z");
const EXPIRES_AT = new Date("2026-11-27T00:00:00Z");
/** Past EXPIRES_AT, and again inside contact hours, so a refused reveal is about access, not hours. */
const AFTER_EXPIRY = new Date("2026-11-27T11:00:00Z");
const clock = new FixedClock(START);

interface OpenCase {
  caseId: string;
  loanId: string;
  borrowerId: string;
  lenderId: string;
  region: string;
  currency: string;
  phone: string;
}
/** Open cases of borrowers with no other case, each for one test. */
const unused: OpenCase[] = [];

const localHour = (at: Date, timeZone: string) =>
  Number(new Intl.DateTimeFormat("en-GB", { timeZone, hour: "2-digit", hourCycle: "h23" }).format(at));
const inContactHours = (at: Date, timeZone: string) => localHour(at, timeZone) >= 8 && localHour(at, timeZone) < 21;

beforeAll(async () => {
  fed = await startFederation({ clock });
  await seedDemoPortfolio(fed.loans.ds, { asOf: "2026-11-25", borrowers: 60 }, clock);
  const [{ n }] = await fed.loans.ds.query("SELECT count(*)::int AS n FROM collection_case");
  await until(async () => (await fed.agencies.ds.query("SELECT count(*)::int AS n FROM case_directory"))[0].n === n, "the agencies' case directory");
  const rows = await fed.loans.ds.query(
    `SELECT c.id, c.loan_id, c.borrower_id, c.lender_id, l.currency, b.timezone, b.phone
       FROM collection_case c JOIN loan l ON l.id = c.loan_id JOIN borrower b ON b.id = c.borrower_id
      WHERE c.status = 'OPEN' AND c.amount_overdue_minor > 0 AND b.phone IS NOT NULL AND b.email IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM collection_case o WHERE o.borrower_id = c.borrower_id AND o.id <> c.id)
      ORDER BY c.id`,
  );
  const regions = new Map<string, string>(
    (await fed.agencies.ds.query("SELECT case_id, region FROM case_directory")).map((r: any) => [r.case_id, r.region]),
  );
  for (const r of rows) {
    if (!inContactHours(START, r.timezone) || !inContactHours(AFTER_EXPIRY, r.timezone)) continue;
    unused.push({
      caseId: r.id, loanId: r.loan_id, borrowerId: r.borrower_id, lenderId: r.lender_id, region: regions.get(r.id)!, currency: r.currency.trim(), phone: r.phone,
    });
  }
  expect(unused.length).toBeGreaterThanOrEqual(5);
}, 120_000);
afterAll(async () => fed?.stop());

/** A case placed with an agency created for it, as both parties see it. */
interface Held extends OpenCase {
  agencyId: string;
  agentId: string;
  placementId: string;
  lender: string;
  agency: string;
}

const CASE = `query($id: ID!) { collectionCase(id: $id) {
  id status daysPastDue bucket amountOverdue { amountMinor } borrower { fullName phone email preferredLanguage }
  loan { reference } activePlacement { id } placements { id } } }`;
const BORROWER = `query($id: ID!) { borrower(id: $id) { id fullName phone email preferredLanguage timezone vulnerable } }`;
const VIA_PLACEMENT = `query($id: ID!) { placement(id: $id) { id collectionCase { id status daysPastDue borrower { fullName phone } } } }`;
const LIST = `{ collectionCases(first: 500) { edges { node { id } } } }`;
const REVEAL = `mutation($id: ID!) { revealContact(caseId: $id, channel: CALL) { caseId value } }`;
const VISIT = `mutation($i: RequestHomeVisitInput!) { requestHomeVisit(input: $i) { id status } }`;

/** Creates an agency serving the case's region, with an agent, and has the lender place the case with it. */
async function place(): Promise<Held> {
  const c = unused.shift();
  if (!c) throw new Error("no open case left for this test");
  const agencyId = uuidv7();
  const agentId = uuidv7();
  await fed.agencies.ds.query(
    `INSERT INTO agency (id, name, licence_number, licence_review_due, regions, capacity, channels, status)
     VALUES ($1, $2, $3, '2027-12-31', $4, 5, '{CALL,SMS,EMAIL,VISIT}', 'ACTIVE')`,
    [agencyId, `Agency ${agencyId.slice(-6)}`, `LIC-${agencyId.slice(-12)}`, [c.region]],
  );
  await fed.agencies.ds.query("INSERT INTO agent (id, agency_id, name, employee_number) VALUES ($1, $2, 'Agent One', 'E-001')", [agentId, agencyId]);
  const lender = await fed.token({ role: "lender", lender_id: c.lenderId });
  const agency = await fed.token({ role: "agency", agency_id: agencyId });
  const placed = await fed.query(
    `mutation($input: PlaceCaseInput!) { placeCase(input: $input) { id status } }`,
    { input: { caseId: c.caseId, agencyId, expiresAt: EXPIRES_AT.toISOString(), commissionBps: 1000, maxDiscountBps: 500, maxInstalments: 6 } },
    lender,
  );
  expect(placed.errors).toBeUndefined();
  const placementId = placed.data.placeCase.id;
  await until(
    async () =>
      (await fed.loans.ds.query("SELECT 1 FROM case_directory_placement WHERE placement_id = $1 AND expires_at IS NOT NULL AND ended_at IS NULL", [placementId]))
        .length === 1,
    "loans' case directory to apply the placement",
  );
  // The case's status follows: PLACED while the placement holds.
  await until(async () => (await fed.loans.ds.query("SELECT status FROM collection_case WHERE id = $1", [c.caseId]))[0].status === "PLACED", "the case PLACED");
  return { ...c, agencyId, agentId, placementId, lender, agency };
}

/** A visit an hour from now, for an hour: 12:00-13:00 in London, 20:00-21:00 in Shanghai (inside contact hours in both). */
const requestVisit = (h: Held) => {
  const start = clock.now().getTime() + 3_600_000;
  return fed.query(VISIT, {
    i: { caseId: h.caseId, agentId: h.agentId, reason: "No answer by phone", windowStart: new Date(start).toISOString(), windowEnd: new Date(start + 3_600_000).toISOString() },
  }, h.agency);
};

const listed = async (h: Held): Promise<string[]> => {
  const r = await fed.query(LIST, {}, h.agency);
  expect(r.errors).toBeUndefined();
  return r.data.collectionCases.edges.map((e: any) => e.node.id);
};

/** Everything the agency may see and do with the case while it holds it, so the refusals below can fail. */
async function expectHeld(h: Held): Promise<void> {
  const c = await fed.query(CASE, { id: h.caseId }, h.agency);
  expect(c.errors).toBeUndefined();
  expect(c.data.collectionCase).toMatchObject({ id: h.caseId, status: "PLACED", activePlacement: { id: h.placementId }, placements: [{ id: h.placementId }] });
  expect(c.data.collectionCase.daysPastDue).toBeGreaterThan(0);
  expect(c.data.collectionCase.amountOverdue.amountMinor).toBeGreaterThan(0);
  expect(c.data.collectionCase.loan.reference).toBeTruthy();
  expect(c.data.collectionCase.borrower.fullName).toBeTruthy();
  expect(c.data.collectionCase.borrower.phone).toContain("****");

  const b = await fed.query(BORROWER, { id: h.borrowerId }, h.agency);
  expect(b.errors).toBeUndefined();
  expect(b.data.borrower.fullName).toBeTruthy();

  const v = await fed.query(VIA_PLACEMENT, { id: h.placementId }, h.agency);
  expect(v.errors).toBeUndefined();
  expect(v.data.placement.collectionCase).toMatchObject({ id: h.caseId, status: "PLACED" });
  expect(v.data.placement.collectionCase.borrower.fullName).toBeTruthy();

  expect(await listed(h)).toContain(h.caseId);

  const reveal = await fed.query(REVEAL, { id: h.caseId }, h.agency);
  expect(reveal.errors).toBeUndefined();
  expect(reveal.data.revealContact).toEqual({ caseId: h.caseId, value: h.phone });

  const visit = await requestVisit(h);
  expect(visit.errors).toBeUndefined();
  expect(visit.data.requestHomeVisit.status).toBe("REQUESTED");
}

/** Every error FORBIDDEN, on the given paths, and at least one. */
function expectForbidden(r: GqlResponse, paths: string[]): void {
  expect(codes(r).length).toBeGreaterThan(0);
  expect(new Set(codes(r))).toEqual(new Set(["FORBIDDEN"]));
  expect((r.errors ?? []).map((e) => e.path?.join(".")).sort()).toEqual([...paths].sort());
}

/** The agency no longer sees anything of the case, nor can reveal its contact or ask to visit. */
async function expectEnded(h: Held): Promise<void> {
  const c = await fed.query(CASE, { id: h.caseId }, h.agency);
  expect(c.data?.collectionCase).toBeNull();
  expectForbidden(c, ["collectionCase"]);

  const b = await fed.query(BORROWER, { id: h.borrowerId }, h.agency);
  expect(b.data?.borrower).toBeNull();
  expectForbidden(b, ["borrower"]);

  // Its own placement it still sees; the case behind it, no more than its id.
  const v = await fed.query(VIA_PLACEMENT, { id: h.placementId }, h.agency);
  expect(v.data.placement.collectionCase).toEqual({ id: h.caseId, status: null, daysPastDue: null, borrower: null });
  expectForbidden(v, ["placement.collectionCase.status", "placement.collectionCase.daysPastDue", "placement.collectionCase.borrower"]);

  expect(await listed(h)).not.toContain(h.caseId);

  const reveal = await fed.query(REVEAL, { id: h.caseId }, h.agency);
  expect(reveal.data?.revealContact).toBeNull();
  expectForbidden(reveal, ["revealContact"]);
  expect(reveal.errors![0]!.extensions?.rule).toBeUndefined(); // not refused for contact hours

  const visit = await requestVisit(h);
  expect(visit.data?.requestHomeVisit).toBeNull();
  expectForbidden(visit, ["requestHomeVisit"]);
}

/** The lender sees no placement in force, and the placement ended as `status`. */
async function expectLenderSees(h: Held, status: string): Promise<void> {
  const c = await fed.query(`query($id: ID!) { collectionCase(id: $id) { id activePlacement { id } } }`, { id: h.caseId }, h.lender);
  expect(c.errors).toBeUndefined();
  expect(c.data.collectionCase).toEqual({ id: h.caseId, activePlacement: null });
  const p = await fed.query(`query($id: ID!) { placement(id: $id) { status } }`, { id: h.placementId }, h.lender);
  expect(p.errors).toBeUndefined();
  expect(p.data.placement.status).toBe(status);
}

const placementEndedInLoans = (h: Held) =>
  until(
    async () => (await fed.loans.ds.query("SELECT 1 FROM case_directory_placement WHERE placement_id = $1 AND ended_at IS NOT NULL", [h.placementId])).length === 1,
    "loans' case directory to apply the end of the placement",
  );

const placementStatus = async (h: Held): Promise<string> =>
  (await fed.agencies.ds.query("SELECT status FROM placement WHERE id = $1", [h.placementId]))[0].status;

describe("an agency's access to a case ends", () => {
  it("at the placement's expiresAt, with no expiry job run", async () => {
    const h = await place();
    await expectHeld(h);
    // The expiry job cannot run meanwhile: access must end by the clock alone.
    const job = await holdJobLock(fed.agencies.ds, "agencies:expire-placements");
    clock.set(AFTER_EXPIRY);
    try {
      await expectEnded(h);
      await expectLenderSees(h, "EXPIRED");
      // Nothing wrote the expiry down: the placement is ACTIVE in the database, in force in no directory.
      expect(await placementStatus(h)).toBe("ACTIVE");
      for (const ds of [fed.loans.ds, fed.agencies.ds]) {
        expect(await ds.query("SELECT ended_at FROM case_directory_placement WHERE placement_id = $1", [h.placementId])).toEqual([{ ended_at: null }]);
      }
    } finally {
      clock.set(START);
      await job.release();
    }
  });

  it("when the lender recalls the placement", async () => {
    const h = await place();
    await expectHeld(h);
    const r = await fed.query(`mutation($id: ID!) { recallPlacement(placementId: $id, reason: "In-house") { status } }`, { id: h.placementId }, h.lender);
    expect(r.errors).toBeUndefined();
    expect(r.data.recallPlacement.status).toBe("RECALLED");
    await placementEndedInLoans(h);
    await expectEnded(h);
    await expectLenderSees(h, "RECALLED");
  });

  it("when the agency returns the placement", async () => {
    const h = await place();
    await expectHeld(h);
    const r = await fed.query(`mutation($id: ID!) { returnPlacement(placementId: $id, reason: "Cannot reach the borrower") { status } }`, { id: h.placementId }, h.agency);
    expect(r.errors).toBeUndefined();
    expect(r.data.returnPlacement.status).toBe("RETURNED");
    await placementEndedInLoans(h);
    await expectEnded(h);
    await expectLenderSees(h, "RETURNED");
  });

  it("when the agency is suspended", async () => {
    const h = await place();
    await expectHeld(h);
    expect(await suspendAgency(fed.agencies.ds, clock, h.agencyId, "Licence withdrawn by the regulator")).toBe(1);
    await placementEndedInLoans(h);
    await expectEnded(h);
    await expectLenderSees(h, "RECALLED");
    expect((await fed.agencies.ds.query("SELECT status FROM agency WHERE id = $1", [h.agencyId]))[0].status).toBe("SUSPENDED");
  });

  it("when the case is resolved, as soon as the resolution is applied (before the placement is completed)", async () => {
    const h = await place();
    await expectHeld(h);
    // Hold the placement row (FOR KEY SHARE: requestHomeVisit's FOR SHARE still passes) so the
    // agencies' consumer that completes the placement of a resolved case waits: access must end
    // with the CaseResolved applied to the directories, not with the placement's own end.
    const hold = fed.agencies.ds.createQueryRunner();
    await hold.connect();
    await hold.startTransaction();
    try {
      await hold.query("SELECT 1 FROM placement WHERE id = $1 FOR KEY SHARE", [h.placementId]);
      let status = "OPEN";
      for (let i = 0; i < 5 && status !== "RESOLVED"; i++) {
        const [{ overdue }] = await fed.loans.ds.query("SELECT amount_overdue_minor::text AS overdue FROM collection_case WHERE id = $1", [h.caseId]);
        const paid = await fed.query(
          `mutation($input: RecordPaymentInput!) { recordPayment(input: $input) { collectionCase { id status } } }`,
          { input: { loanId: h.loanId, amountMinor: Number(overdue), currency: h.currency, receivedAt: clock.now().toISOString(), externalReference: `ends-${h.caseId}-${i}` } },
          h.lender,
        );
        expect(paid.errors).toBeUndefined();
        expect(paid.data.recordPayment.collectionCase.id).toBe(h.caseId);
        status = paid.data.recordPayment.collectionCase.status;
      }
      expect(status).toBe("RESOLVED");
      for (const [name, ds] of [["loans", fed.loans.ds], ["agencies", fed.agencies.ds]] as const) {
        await until(
          async () => (await ds.query("SELECT 1 FROM case_directory WHERE case_id = $1 AND status = 'RESOLVED'", [h.caseId])).length === 1,
          `${name}' case directory to apply the resolution`,
        );
      }
      expect(await placementStatus(h)).toBe("ACTIVE");
      await expectEnded(h);
    } finally {
      await hold.rollbackTransaction();
      await hold.release();
    }
    await until(async () => (await placementStatus(h)) === "COMPLETED", "the placement of the resolved case to be completed");
    await placementEndedInLoans(h);
    await expectEnded(h);
    await expectLenderSees(h, "COMPLETED");
  });
});
