import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FixedClock } from "@concord/service-kit";
import { seedDemoPortfolio } from "@concord/loans";
import { codes, until } from "@concord/test-kit";
import { startFederation, type Federation } from "../support/federation";

/**
 * The legal step through the whole federation, with the real roles: the lender sends the legal
 * warning through outreach (sendNotice), restructuring learns of it over the bus, escalateToLegal
 * is refused naming LEGAL_WARNING until the warning's earliestLegalStepAt, then succeeds on the
 * clock's arrival there; the escalation is on the case through the gateway, and the agency role
 * may not escalate.
 */

let fed: Federation;
const clock = new FixedClock(new Date("2026-11-25T10:00:00Z")); // 10:00 in London
let caseId: string;
let lenderId: string;

const SEND = `mutation($id: ID!, $stage: NoticeStage!) { sendNotice(caseId: $id, stage: $stage, channel: LETTER) { id stage status } }`;
const ESCALATE = `mutation($id: ID!) { escalateToLegal(caseId: $id, legalOpinionReference: "Opinion 2026/117", reason: "No payment since the legal warning") { id caseId escalatedAt daysPastDue } }`;
const CASE = `query($id: ID!) { collectionCase(id: $id) { id legalEscalation { id escalatedAt legalOpinionReference } } }`;

beforeAll(async () => {
  fed = await startFederation({ clock });
  await seedDemoPortfolio(fed.loans.ds, { asOf: "2026-11-25", borrowers: 40 }, clock);
  const [c] = await fed.loans.ds.query(
    `SELECT c.id, c.lender_id FROM collection_case c JOIN borrower b ON b.id = c.borrower_id
      WHERE b.timezone = 'Europe/London' AND c.status = 'OPEN' AND c.days_past_due >= 90 ORDER BY c.id LIMIT 1`,
  );
  expect(c).toBeDefined();
  ({ id: caseId, lender_id: lenderId } = c);
  const restructuring = fed.subgraphs.restructuring!.ds;
  await until(async () => (await restructuring.query("SELECT 1 FROM case_figures WHERE case_id = $1", [caseId])).length === 1, "restructuring to know the case's figures");
  await until(async () => (await restructuring.query("SELECT 1 FROM case_opening WHERE case_id = $1", [caseId])).length === 1, "restructuring to know when the case was opened");
  await until(async () => (await fed.subgraphs.outreach!.ds.query("SELECT 1 FROM case_balance WHERE case_id = $1", [caseId])).length === 1, "outreach to know what the case has overdue");
}, 120_000);
afterAll(async () => fed?.stop());

describe("the legal step through the gateway", () => {
  it("waits for the legal warning's earliestLegalStepAt, then escalates the case once", async () => {
    const lender = await fed.token({ role: "lender", lender_id: lenderId });
    // No warning yet.
    const none = await fed.query(ESCALATE, { id: caseId }, lender);
    expect(codes(none)).toEqual(["BAD_USER_INPUT"]);
    expect(none.errors![0]!.extensions!.rule).toBe("LEGAL_WARNING");

    for (const stage of ["FIRST_REMINDER", "VALIDATION_NOTICE", "LEGAL_WARNING"]) {
      const sent = await fed.query(SEND, { id: caseId, stage }, lender);
      expect([stage, sent.errors]).toEqual([stage, undefined]);
    }
    const [{ earliest_legal_step_at: earliest }] = await fed.subgraphs.outreach!.ds.query(
      "SELECT earliest_legal_step_at FROM notice WHERE case_id = $1 AND stage = 'LEGAL_WARNING'",
      [caseId],
    );
    const restructuring = fed.subgraphs.restructuring!.ds;
    await until(async () => (await restructuring.query("SELECT 1 FROM legal_warning_notice WHERE case_id = $1", [caseId])).length === 1, "restructuring to hear of the legal warning");

    // 1 ms before the warning's wait is over: refused, naming the rule; nothing written.
    clock.set(new Date(new Date(earliest).getTime() - 1));
    const early = await fed.query(ESCALATE, { id: caseId }, await fed.token({ role: "lender", lender_id: lenderId }));
    expect(codes(early)).toEqual(["BAD_USER_INPUT"]);
    expect(early.errors![0]!.extensions!.rule).toBe("LEGAL_WARNING");
    expect(await restructuring.query("SELECT 1 FROM legal_escalation WHERE case_id = $1", [caseId])).toHaveLength(0);

    clock.set(new Date(earliest));
    const [lenderNow, agency] = await Promise.all([fed.token({ role: "lender", lender_id: lenderId }), fed.token({ role: "agency", agency_id: "0190b3c4-0000-7000-8000-0000000000aa" })]);
    expect(codes(await fed.query(ESCALATE, { id: caseId }, agency))).toEqual(["FORBIDDEN"]);
    const ok = await fed.query(ESCALATE, { id: caseId }, lenderNow);
    expect(ok.errors).toBeUndefined();
    expect(ok.data.escalateToLegal).toMatchObject({ caseId, escalatedAt: new Date(earliest).toISOString() });
    expect(ok.data.escalateToLegal.daysPastDue).toBeGreaterThanOrEqual(90);

    const again = await fed.query(ESCALATE, { id: caseId }, lenderNow);
    expect(again.data.escalateToLegal).toEqual(ok.data.escalateToLegal);
    const seen = await fed.query(CASE, { id: caseId }, lenderNow);
    expect(seen.errors).toBeUndefined();
    expect(seen.data.collectionCase.legalEscalation).toEqual({ id: ok.data.escalateToLegal.id, escalatedAt: ok.data.escalateToLegal.escalatedAt, legalOpinionReference: "Opinion 2026/117" });
  });
});
