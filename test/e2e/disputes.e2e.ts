import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FixedClock, uuidv7 } from "@concord/service-kit";
import { announceEndedHardshipHolds } from "@concord/outreach";
import { seedDemoPortfolio } from "@concord/loans";
import { codes, holdJobLock, until } from "@concord/test-kit";
import { startFederation, type Federation } from "../support/federation";
import { announcePlacement } from "../support/placements";

/**
 * A dispute through the whole federation, with the real roles: the borrower raises it through
 * the gateway, the agency holding the case is refused revealContact (CONTACT_HOLD) once loans'
 * directory has the hold, the case turns DISPUTED in loans; the lender resolves it and the
 * reveal is allowed again, the case PLACED again. Then, on the same case, a hardship: HARDSHIP in
 * loans while it holds, the agency seeing only that it exists, PLACED again when its hold runs out.
 */

let fed: Federation;
const clock = new FixedClock(new Date("2026-11-25T10:00:00Z")); // 10:00 in London: inside contact hours
let caseId: string;
let borrowerId: string;
let lenderId: string;
let agencyId: string;

const REVEAL = `mutation($id: ID!) { revealContact(caseId: $id, channel: CALL) { value } }`;
const loansHold = async (lifted: boolean, kind = "DISPUTE") =>
  (await fed.loans.ds.query("SELECT 1 FROM case_directory_contact_hold WHERE case_id = $1 AND kind = $2 AND (lifted_at IS NOT NULL) = $3", [caseId, kind, lifted])).length > 0;
const loansStatus = async () => (await fed.loans.ds.query("SELECT status FROM collection_case WHERE id = $1", [caseId]))[0].status as string;

beforeAll(async () => {
  fed = await startFederation({ clock });
  await seedDemoPortfolio(fed.loans.ds, { asOf: "2026-11-25", borrowers: 40 }, clock);
  const [c] = await fed.loans.ds.query(
    `SELECT c.id, c.lender_id, c.borrower_id FROM collection_case c JOIN borrower b ON b.id = c.borrower_id
      WHERE b.timezone = 'Europe/London' AND c.status = 'OPEN' ORDER BY c.id LIMIT 1`,
  );
  ({ id: caseId, lender_id: lenderId, borrower_id: borrowerId } = c);
  agencyId = uuidv7();
  await announcePlacement(fed, clock, { caseId, lenderId, agencyId });
  await until(async () => (await loansStatus()) === "PLACED", "loans to place the case");
  await until(
    async () => (await fed.subgraphs.outreach!.ds.query("SELECT 1 FROM case_directory WHERE case_id = $1", [caseId])).length === 1,
    "outreach's directory to know the case",
  );
}, 120_000);
afterAll(async () => fed?.stop());

describe("disputes through the gateway", () => {
  it("pauses the agency's reveal while the borrower's dispute is open, and allows it again once the lender resolves it", async () => {
    const agency = await fed.token({ role: "agency", agency_id: agencyId });
    const before = await fed.query(REVEAL, { id: caseId }, agency);
    expect(before.errors).toBeUndefined();

    const borrower = await fed.token({ role: "borrower", borrower_id: borrowerId });
    const raised = await fed.query(`mutation($id: ID!) { raiseDispute(caseId: $id, reason: "I never took this loan") { id status } }`, { id: caseId }, borrower);
    expect(raised.errors).toBeUndefined();
    expect(raised.data.raiseDispute.status).toBe("OPEN");
    const disputeId: string = raised.data.raiseDispute.id;

    await until(() => loansHold(false), "loans' directory to hold the dispute's hold");
    const refused = await fed.query(REVEAL, { id: caseId }, agency);
    expect(codes(refused)).toEqual(["FORBIDDEN"]);
    expect(refused.errors?.[0]?.extensions?.rule).toBe("CONTACT_HOLD");
    await until(async () => (await loansStatus()) === "DISPUTED", "loans to mark the case DISPUTED");

    // The agency sees the dispute is open, never the borrower's reason.
    const seen = await fed.query(`query($id: ID!) { collectionCase(id: $id) { disputes { id status reason } } }`, { id: caseId }, agency);
    expect(seen.data.collectionCase.disputes).toEqual([{ id: disputeId, status: "OPEN", reason: null }]);

    clock.set("2026-11-25T10:05:00Z");
    const lender = await fed.token({ role: "lender", lender_id: lenderId });
    const resolved = await fed.query(`mutation($id: ID!) { resolveDispute(disputeId: $id, resolution: VERIFIED) { status } }`, { id: disputeId }, lender);
    expect(resolved.errors).toBeUndefined();
    expect(resolved.data.resolveDispute.status).toBe("VERIFIED");
    await until(() => loansHold(true), "loans' directory to lift the hold");
    expect((await fed.query(REVEAL, { id: caseId }, agency)).errors).toBeUndefined();
    await until(async () => (await loansStatus()) === "PLACED", "loans to return the case to PLACED");
  });
});

describe("hardships through the gateway", () => {
  // Runs after the dispute above: the case is PLACED again, with no hold.
  it("holds the case from the borrower's declaration (HARDSHIP in loans), shows the agency only that it holds, and ends with its hold", async () => {
    const declaredAt = new Date("2026-11-25T10:10:00Z");
    clock.set(declaredAt);
    const borrower = await fed.token({ role: "borrower", borrower_id: borrowerId });
    const declared = await fed.query(`mutation($id: ID!) { declareHardship(caseId: $id, kind: SERIOUS_ILLNESS, evidenceReference: "gp-letter") { id status holdUntil } }`, { id: caseId }, borrower);
    expect(declared.errors).toBeUndefined();
    const { id: hardshipId, holdUntil } = declared.data.declareHardship;
    expect(holdUntil).toBe(new Date(declaredAt.getTime() + 14 * 86_400_000).toISOString());

    await until(async () => (await loansStatus()) === "HARDSHIP", "loans to mark the case HARDSHIP");
    await until(() => loansHold(false, "HARDSHIP"), "loans' directory to hold the hardship's hold");
    const agency = await fed.token({ role: "agency", agency_id: agencyId });
    expect((await fed.query(REVEAL, { id: caseId }, agency)).errors?.[0]?.extensions?.rule).toBe("CONTACT_HOLD");
    const seen = await fed.query(`query($id: ID!) { collectionCase(id: $id) { status hardships { id status holdUntil kind evidenceReference } } }`, { id: caseId }, agency);
    expect(seen.data.collectionCase).toEqual({ status: "HARDSHIP", hardships: [{ id: hardshipId, status: "DECLARED", holdUntil, kind: null, evidenceReference: null }] });
    expect(new Set(codes(seen))).toEqual(new Set(["FORBIDDEN"]));

    // Undecided, its 14 days run out: the job tells loans, and the case is PLACED again.
    // The scheduled run (every minute) is held off, so this run is the one that tells it.
    const job = await holdJobLock(fed.subgraphs.outreach!.ds, "outreach:hardship-holds-ended");
    clock.set(holdUntil);
    expect(await announceEndedHardshipHolds(fed.subgraphs.outreach!.ds, clock)).toBe(1);
    await job.release();
    await until(async () => (await loansStatus()) === "PLACED", "loans to return the case to PLACED");
    expect((await fed.query(REVEAL, { id: caseId }, agency)).errors).toBeUndefined();
  });
});
