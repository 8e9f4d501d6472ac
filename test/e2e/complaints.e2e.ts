import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FixedClock, uuidv7 } from "@concord/service-kit";
import { reportOverdueComplaints } from "@concord/outreach";
import { seedDemoPortfolio } from "@concord/loans";
import { codes, holdJobLock, until } from "@concord/test-kit";
import { startFederation, type Federation } from "../support/federation";
import { announcePlacement } from "../support/placements";

/**
 * A complaint through the whole federation, with the real roles: the borrower files it through
 * the gateway under its UK_FCA lender's deadlines, the agency holding the case sees that it
 * exists and how it stands but never its words or the lender's, and the lender's final response
 * closes it; its events carry no free text.
 */

let fed: Federation;
const clock = new FixedClock(new Date("2026-11-25T10:00:00Z")); // Wednesday, 10:00 in London
let caseId: string;
let borrowerId: string;
let lenderId: string;
let agencyId: string;

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
  await until(
    async () => (await fed.subgraphs.outreach!.ds.query("SELECT 1 FROM case_directory_placement WHERE case_id = $1 AND agency_id = $2", [caseId, agencyId])).length === 1,
    "outreach's directory to know the placement",
  );
}, 120_000);
afterAll(async () => fed?.stop());

describe("complaints through the gateway", () => {
  it("lets the borrower file, shows the agency no free text, and lets the lender close it with a final response", async () => {
    const lender = await fed.token({ role: "lender", lender_id: lenderId });
    expect((await fed.query(`mutation { setContactProfile(jurisdiction: UK_FCA) { jurisdiction } }`, {}, lender)).errors).toBeUndefined();

    const borrower = await fed.token({ role: "borrower", borrower_id: borrowerId });
    const FILE = `mutation($id: ID!) { fileComplaint(caseId: $id, category: CONDUCT, description: "The agent called me a liar", idempotencyKey: "e2e-1") {
      id status filedByRole firstResponseDueAt finalResponseDueAt respondBy } }`;
    const filed = await fed.query(FILE, { id: caseId }, borrower);
    expect(filed.errors).toBeUndefined();
    // Wednesday in London: Thursday, Friday, Monday; Monday ends at midnight GMT. 8 weeks on: 20 January.
    expect(filed.data.fileComplaint).toMatchObject({
      status: "OPEN", filedByRole: "borrower", firstResponseDueAt: "2026-12-01T00:00:00.000Z", finalResponseDueAt: "2027-01-21T00:00:00.000Z", respondBy: "2026-12-01T00:00:00.000Z",
    });
    const complaintId: string = filed.data.fileComplaint.id;
    // A retry through the gateway is the same complaint.
    expect((await fed.query(FILE, { id: caseId }, borrower)).data.fileComplaint.id).toBe(complaintId);

    const agency = await fed.token({ role: "agency", agency_id: agencyId });
    expect(codes(await fed.query(`mutation($id: ID!) { respondToComplaint(complaintId: $id, response: "x", final: true) { id } }`, { id: complaintId }, agency))).toEqual(["FORBIDDEN"]);
    const seen = await fed.query(`query($id: ID!) { collectionCase(id: $id) { complaints { id category status description responses { response } } } }`, { id: caseId }, agency);
    expect(seen.data.collectionCase.complaints).toEqual([{ id: complaintId, category: "CONDUCT", status: "OPEN", description: null, responses: null }]);
    expect(new Set(codes(seen))).toEqual(new Set(["FORBIDDEN"]));

    clock.set("2026-11-30T15:00:00Z"); // Monday, before the summary deadline
    const RESPOND = `mutation($id: ID!) { respondToComplaint(complaintId: $id, response: "We have spoken to the agency and apologise.", final: true) { status respondBy closedAt } }`;
    const closed = await fed.query(RESPOND, { id: complaintId }, lender);
    expect(closed.errors).toBeUndefined();
    expect(closed.data.respondToComplaint).toEqual({ status: "CLOSED", respondBy: null, closedAt: "2026-11-30T15:00:00.000Z" });
    const other = await fed.query(`mutation($id: ID!) { respondToComplaint(complaintId: $id, response: "Also", final: false) { status } }`, { id: complaintId }, lender);
    expect(codes(other)).toEqual(["CONFLICT"]);

    const mine = await fed.query(`query($id: ID!) { complaint(id: $id) { status description responses { response final } } }`, { id: complaintId }, borrower);
    expect(mine.errors).toBeUndefined();
    expect(mine.data.complaint).toEqual({ status: "CLOSED", description: "The agent called me a liar", responses: [{ response: "We have spoken to the agency and apologise.", final: true }] });
    const agencyView = await fed.query(`query($id: ID!) { complaint(id: $id) { status respondBy responses { response } } }`, { id: complaintId }, agency);
    expect(agencyView.data.complaint).toEqual({ status: "CLOSED", respondBy: null, responses: null });

    // One filing (the retry wrote nothing) and one response; never the free text.
    const events = await fed.subgraphs.outreach!.ds.query("SELECT type FROM outbox WHERE aggregate_id = $1 ORDER BY seq", [complaintId]);
    expect(events.map((e: any) => e.type)).toEqual(["ComplaintFiled", "ComplaintResponded"]);
    const envelopes = await fed.subgraphs.outreach!.ds.query("SELECT envelope FROM outbox WHERE aggregate_id = $1", [complaintId]);
    expect(JSON.stringify(envelopes)).not.toMatch(/liar|apologise/);
  });

  it("alerts the lender's complianceAlerts over graphql-ws when a deadline passes unanswered, and no other lender", async () => {
    clock.set("2026-11-25T10:00:00Z");
    const lender = await fed.token({ role: "lender", lender_id: lenderId });
    const stranger = await fed.token({ role: "lender", lender_id: uuidv7() });
    const ALERT = `subscription { complianceAlerts { kind caseId stage rule violation { id } complaint { id status category overdueStages } } }`;
    const before = fed.gateway.subscribers();
    const mine = fed.subscribe(ALERT, undefined, lender);
    const theirs = fed.subscribe(ALERT, undefined, stranger);
    await until(() => fed.gateway.subscribers() >= before + 2, "the gateway to hold both subscriptions");

    const borrower = await fed.token({ role: "borrower", borrower_id: borrowerId });
    const filed = await fed.query(`mutation($id: ID!) { fileComplaint(caseId: $id, category: CONTACT_FREQUENCY, description: "Calls every day", idempotencyKey: "e2e-2") { id firstResponseDueAt } }`, { id: caseId }, borrower);
    expect(filed.errors).toBeUndefined();
    const { id: complaintId, firstResponseDueAt } = filed.data.fileComplaint;
    // The summary deadline passes with no response: the job reports it, and the bus carries it to the gateway.
    // The scheduled run (every minute) is held off, so this run is the one that reports it.
    const job = await holdJobLock(fed.subgraphs.outreach!.ds, "outreach:complaint-deadlines");
    clock.set(firstResponseDueAt);
    expect(await reportOverdueComplaints(fed.subgraphs.outreach!.ds, clock)).toBe(1);
    await job.release();
    const [alert] = await mine.next(1, 15_000);
    expect(alert!.data.complianceAlerts).toEqual({
      kind: "COMPLAINT_OVERDUE", caseId, stage: "FIRST_RESPONSE", rule: null, violation: null,
      complaint: { id: complaintId, status: "OPEN", category: "CONTACT_FREQUENCY", overdueStages: ["FIRST_RESPONSE"] },
    });
    expect(await theirs.next(1, 1_500).catch(() => [])).toEqual([]);
    await Promise.all([mine.stop(), theirs.stop()]);
  });
});
