import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FixedClock, uuidv7 } from "@concord/service-kit";
import { seedDemoPortfolio } from "@concord/loans";
import { codes, until } from "@concord/test-kit";
import { startFederation, type Federation } from "../support/federation";
import { announcePlacement } from "../support/placements";

/**
 * Notices through the whole federation, with the real roles: outreach learns what the case has
 * overdue from loans' case events, the agency holding the case sends the first reminder, the
 * borrower reads it in its app with the amount and the due date loans holds, an auditor sees the
 * status only; after the borrower's cease request a reminder is refused and the validation notice
 * (required) still goes; the legal warning waits for its prerequisites.
 */

let fed: Federation;
const clock = new FixedClock(new Date("2026-11-25T10:00:00Z")); // 10:00 in London
let caseId: string;
let borrowerId: string;
let lenderId: string;
let agencyId: string;
let loansCase: { amount: string; currency: string; due: string };

const SEND = `mutation($id: ID!, $stage: NoticeStage!) { sendNotice(caseId: $id, stage: $stage, channel: LETTER) { id stage status required language activityId body } }`;
const LIST = `query($id: ID!) { notices(caseId: $id) { id stage status required sentAt dueSince missingPrerequisites subject body } }`;

beforeAll(async () => {
  fed = await startFederation({ clock });
  await seedDemoPortfolio(fed.loans.ds, { asOf: "2026-11-25", borrowers: 40 }, clock);
  const [c] = await fed.loans.ds.query(
    `SELECT c.id, c.lender_id, c.borrower_id, c.amount_overdue_minor::text AS amount, c.currency, to_char(c.oldest_unpaid_due_date, 'YYYY-MM-DD') AS due
       FROM collection_case c JOIN borrower b ON b.id = c.borrower_id
      WHERE b.timezone = 'Europe/London' AND c.status = 'OPEN' AND c.days_past_due >= 31 ORDER BY c.id LIMIT 1`,
  );
  ({ id: caseId, lender_id: lenderId, borrower_id: borrowerId } = c);
  loansCase = { amount: c.amount, currency: c.currency, due: c.due };
  agencyId = uuidv7();
  const placementId = await announcePlacement(fed, clock, { caseId, lenderId, agencyId });
  const outreach = fed.subgraphs.outreach!.ds;
  await until(async () => (await outreach.query("SELECT 1 FROM case_directory_placement WHERE placement_id = $1", [placementId])).length === 1, "outreach's directory to know the placement");
  await until(async () => (await outreach.query("SELECT 1 FROM case_balance WHERE case_id = $1", [caseId])).length === 1, "outreach to know what the case has overdue");
}, 120_000);
afterAll(async () => fed?.stop());

describe("notices through the gateway", () => {
  it("renders what loans says is overdue, is read by the borrower, and follows the profile, the roles and a cease request", async () => {
    const [agency, lender, borrower, auditor] = await Promise.all([
      fed.token({ role: "agency", agency_id: agencyId }),
      fed.token({ role: "lender", lender_id: lenderId }),
      fed.token({ role: "borrower", borrower_id: borrowerId }),
      fed.token({ role: "auditor" }),
    ]);

    // Due before anything is sent (the demo lender chose no profile: US_REG_F, so the validation notice too).
    const due = (await fed.query(LIST, { id: caseId }, lender)).data.notices;
    expect(due.map((n: any) => n.stage)).toEqual(expect.arrayContaining(["FIRST_REMINDER", "VALIDATION_NOTICE", "GRACE_NOTICE", "CREDIT_RECORD_CONSEQUENCE"]));
    expect(due.every((n: any) => n.status === "DUE")).toBe(true);

    // The agency holding the case sends the first reminder; the legal warning is the lender's.
    const first = await fed.query(SEND, { id: caseId, stage: "FIRST_REMINDER" }, agency);
    expect(first.errors).toBeUndefined();
    expect(first.data.sendNotice).toMatchObject({ stage: "FIRST_REMINDER", status: "SENT", required: false, language: "en" });
    expect(codes(await fed.query(SEND, { id: caseId, stage: "LEGAL_WARNING" }, agency))).toEqual(["FORBIDDEN"]);
    // A borrower's token has no activities:write.
    expect(codes(await fed.query(SEND, { id: caseId, stage: "GRACE_NOTICE" }, borrower))).toEqual(["FORBIDDEN"]);

    // The borrower's app: the amount and the oldest unpaid due date loans holds.
    const mine = await fed.query(LIST, { id: caseId }, borrower);
    expect(mine.errors).toBeUndefined();
    const sent = mine.data.notices[0];
    expect(sent).toMatchObject({ id: first.data.sendNotice.id, stage: "FIRST_REMINDER", status: "SENT" });
    const units = BigInt(loansCase.amount);
    const whole = (units / 100n).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ",");
    expect(sent.body).toContain(`${loansCase.currency} ${whole}.${(units % 100n).toString().padStart(2, "0")}`);
    expect(sent.body).toContain(loansCase.due);
    // The activity is the borrower's to see as an outcome.
    const act = await fed.query(`query($id: ID!) { activity(id: $id) { outcome channel } }`, { id: first.data.sendNotice.activityId }, borrower);
    expect(act.data.activity).toEqual({ outcome: "DELIVERED", channel: "LETTER" });

    // An auditor: the status, not the text.
    const audited = await fed.query(LIST, { id: caseId }, auditor);
    expect(audited.data.notices[0]).toMatchObject({ stage: "FIRST_REMINDER", status: "SENT", subject: null, body: null });
    expect(codes(audited)).toContain("FORBIDDEN");

    // The legal warning waits for the validation notice (US_REG_F), naming it.
    const early = await fed.query(SEND, { id: caseId, stage: "LEGAL_WARNING" }, lender);
    expect(codes(early)).toEqual(["CONFLICT"]);
    expect(early.errors![0]!.message).toContain("VALIDATION_NOTICE");

    // After a cease request: a reminder is refused on the hold, the required validation notice goes.
    expect((await fed.query(`mutation($id: ID!) { requestCeaseCommunication(caseId: $id) { ceaseRequested } }`, { id: caseId }, borrower)).errors).toBeUndefined();
    const grace = await fed.query(SEND, { id: caseId, stage: "GRACE_NOTICE" }, lender);
    expect(codes(grace)).toEqual(["FORBIDDEN"]);
    expect(grace.errors![0]!.extensions!.rule).toBe("CONTACT_HOLD");
    const validation = await fed.query(SEND, { id: caseId, stage: "VALIDATION_NOTICE" }, lender);
    expect(validation.errors).toBeUndefined();
    expect(validation.data.sendNotice).toMatchObject({ status: "SENT", required: true });
    const legal = await fed.query(SEND, { id: caseId, stage: "LEGAL_WARNING" }, lender);
    expect(legal.errors).toBeUndefined();
    expect(legal.data.sendNotice.required).toBe(true);

    const after = (await fed.query(LIST, { id: caseId }, lender)).data.notices;
    expect(after.filter((n: any) => n.status === "SENT").map((n: any) => n.stage)).toEqual(["FIRST_REMINDER", "VALIDATION_NOTICE", "LEGAL_WARNING"]);
    // Another lender knows no such case.
    expect(codes(await fed.query(LIST, { id: caseId }, await fed.token({ role: "lender", lender_id: uuidv7() })))).toEqual(["NOT_FOUND"]);
  });
});
