import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seedDemoPortfolio } from "@concord/loans";
import { seedDemoAgencies } from "@concord/agencies";
import { codes, until, type LiveSubscription } from "@concord/test-kit";
import { startFederation, type Federation } from "../support/federation";

/**
 * Outreach through the whole federation: an agency reports a contact made outside the
 * borrower's hours on a case placed with it; the lender's complianceAlerts subscription over
 * graphql-ws hears of it (and resumes after a cursor without replaying it), another lender's does
 * not; agencies' violations list keeps it; an agency holding the case later sees its outcome but
 * not the first agency's notes; and the agency asks contactPolicy through the gateway.
 */

const ALERT = `cursor kind caseId rule occurredAt violation { id rule activityId }`;
const REPORT = `mutation($input: ReportActivityInput!) {
  reportActivity(input: $input) { activity { id flagged } violations { id rule limit observed } }
}`;
const MINUTE = 60_000;

/**
 * The latest instant at or before `from` (searching back, `back` true) or the earliest at or
 * after it whose wall clock in `zone` reads `hhmm`, on a quarter hour, within two days.
 */
function localInstant(zone: string, hhmm: string, from: Date, back: boolean): Date {
  const fmt = new Intl.DateTimeFormat("en-GB", { timeZone: zone, hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
  const start = Math.floor(from.getTime() / (15 * MINUTE)) * 15 * MINUTE + (back ? 0 : 15 * MINUTE);
  for (let i = 0; i < 4 * 48; i++) {
    const t = new Date(start + (back ? -i : i) * 15 * MINUTE);
    if (fmt.format(t) === hhmm) return t;
  }
  throw new Error(`no ${hhmm} in ${zone} within two days of ${from.toISOString()}`);
}

let fed: Federation;
let lender: string, otherLender: string, agency: string, otherAgency: string;
let agencyId: string, otherAgencyId: string;
let caseId: string;
let timeZone: string;
let placementId: string;
let alerts: LiveSubscription;
let strangerAlerts: LiveSubscription;
/** What the first violating report stored, and the alert the lender got for it. */
let first: { activityId: string; violationId: string; cursor: string };

/** Subscribes and waits until the gateway holds the subscription, so no event can slip past it. */
async function live(query: string, variables: Record<string, unknown> | undefined, token: string): Promise<LiveSubscription> {
  const before = fed.gateway.subscribers();
  const s = fed.subscribe(query, variables, token);
  let refused: unknown;
  void s.failed.then((errors) => (refused = errors));
  await until(() => fed.gateway.subscribers() > before || s.closed() !== undefined || refused !== undefined, "the gateway to hold the subscription");
  if (refused) throw new Error(`subscription refused: ${JSON.stringify(refused)}`);
  return s;
}

/** The agency reports an unanswered call at `occurredAt`, with notes only it (and the lender) may read. */
async function reportCall(occurredAt: Date, token = agency) {
  const r = await fed.query(
    REPORT,
    { input: { idempotencyKey: `e2e-${occurredAt.getTime()}`, caseId, channel: "CALL", direction: "OUTBOUND", outcome: "NO_ANSWER", occurredAt: occurredAt.toISOString(), notes: "Called at night by mistake" } },
    token,
  );
  expect(r.errors).toBeUndefined();
  return r.data.reportActivity;
}

const placeWith = async (agencyOf: string) => {
  const placed = await fed.query(
    `mutation($input: PlaceCaseInput!) { placeCase(input: $input) { id } }`,
    { input: { caseId, agencyId: agencyOf, expiresAt: new Date(Date.now() + 30 * 86_400_000).toISOString(), commissionBps: 1200, maxDiscountBps: 500, maxInstalments: 6 } },
    lender,
  );
  expect(placed.errors).toBeUndefined();
  const id: string = placed.data.placeCase.id;
  // Outreach keeps its own case directory from agencies' events: wait until it knows the placement.
  await until(
    async () => (await fed.subgraphs.outreach!.ds.query("SELECT 1 FROM case_directory_placement WHERE placement_id = $1 AND expires_at IS NOT NULL AND ended_at IS NULL", [id])).length === 1,
    "outreach's directory to know the placement",
  );
  return id;
};

beforeAll(async () => {
  fed = await startFederation();
  await seedDemoPortfolio(fed.loans.ds, { asOf: new Date().toISOString().slice(0, 10), borrowers: 40 });
  const [{ n }] = await fed.loans.ds.query("SELECT count(*)::int AS n FROM collection_case");
  const outreach = fed.subgraphs.outreach!.ds;
  await until(async () => (await fed.agencies.ds.query("SELECT count(*)::int AS n FROM case_directory"))[0].n === n, "agencies' case facts");
  await until(async () => (await outreach.query("SELECT count(*)::int AS n FROM case_directory"))[0].n === n, "outreach's case directory");
  ({ demoAgencyId: agencyId } = await seedDemoAgencies(fed.agencies.ds));
  [{ id: otherAgencyId }] = await fed.agencies.ds.query("SELECT id FROM agency WHERE id <> $1 AND status = 'ACTIVE' ORDER BY id LIMIT 1", [agencyId]);
  // A case the demo placed with the demo agency two weeks ago: the calls below, in the past
  // day, were made while the agency held it.
  const [open] = await fed.agencies.ds.query(
    `SELECT p.id AS placement_id, p.case_id, p.lender_id FROM placement p WHERE p.agency_id = $1 AND p.status = 'ACTIVE' ORDER BY p.case_id LIMIT 1`,
    [agencyId],
  );
  caseId = open.case_id;
  const [other] = await fed.loans.ds.query("SELECT lender_id FROM collection_case WHERE lender_id <> $1 LIMIT 1", [open.lender_id]);
  [{ timezone: timeZone }] = await outreach.query("SELECT timezone FROM case_directory WHERE case_id = $1", [caseId]);
  expect(timeZone).toBeTruthy();
  lender = await fed.token({ role: "lender", lender_id: open.lender_id });
  otherLender = await fed.token({ role: "lender", lender_id: other.lender_id });
  agency = await fed.token({ role: "agency", agency_id: agencyId });
  otherAgency = await fed.token({ role: "agency", agency_id: otherAgencyId });
  placementId = open.placement_id;
  await until(
    async () => (await outreach.query("SELECT 1 FROM case_directory_placement WHERE placement_id = $1 AND expires_at IS NOT NULL", [placementId])).length === 1,
    "outreach's directory to know the placement",
  );

  alerts = await live(`subscription { complianceAlerts { ${ALERT} } }`, undefined, lender);
  strangerAlerts = await live(`subscription { complianceAlerts { ${ALERT} } }`, undefined, otherLender);
}, 120_000);
afterAll(async () => {
  await Promise.all([alerts, strangerAlerts].filter(Boolean).map((s) => s.stop()));
  await fed?.stop();
});

describe("outreach through the gateway", () => {
  it("asks contactPolicy as the agency holding the case: allowed at noon, refused at 03:00 until 08:00, in the borrower's zone", async () => {
    const noon = localInstant(timeZone, "12:00", new Date(), false);
    const night = localInstant(timeZone, "03:00", new Date(), false);
    const eight = localInstant(timeZone, "08:00", night, false);
    const Q = `query($id: ID!, $at: DateTimeISO) { contactPolicy(caseId: $id, channel: CALL, at: $at) { allowed blockedBy { rule until } nextAllowedAt timeZone } }`;
    const ok = await fed.query(Q, { id: caseId, at: noon.toISOString() }, agency);
    expect(ok.errors).toBeUndefined();
    expect(ok.data.contactPolicy).toMatchObject({ allowed: true, blockedBy: [], timeZone });
    const no = await fed.query(Q, { id: caseId, at: night.toISOString() }, agency);
    expect(no.data.contactPolicy).toMatchObject({ allowed: false, blockedBy: [{ rule: "CONTACT_HOURS", until: eight.toISOString() }], nextAllowedAt: eight.toISOString() });
    // The case's own field, resolved by outreach through the federated case.
    const viaCase = await fed.query(`query($id: ID!, $at: DateTimeISO) { collectionCase(id: $id) { id contactPolicy(channel: CALL, at: $at) { allowed } } }`, { id: caseId, at: night.toISOString() }, agency);
    expect(viaCase.errors).toBeUndefined();
    expect(viaCase.data.collectionCase.contactPolicy.allowed).toBe(false);
    // An agency that does not hold it is told nothing.
    expect(codes(await fed.query(Q, { id: caseId, at: noon.toISOString() }, otherAgency))).toEqual(["NOT_FOUND"]);
  });

  it("alerts the lender over graphql-ws when the agency reports a call made at 03:00 borrower's time, and not another lender", async () => {
    const made = await reportCall(localInstant(timeZone, "03:00", new Date(Date.now() - MINUTE), true));
    expect(made.activity.flagged).toBe(true);
    expect(made.violations.map((v: any) => v.rule)).toEqual(["CONTACT_HOURS"]);
    const [got] = await alerts.next(1);
    expect(got!.errors).toBeUndefined();
    expect(got!.data.complianceAlerts).toMatchObject({
      kind: "VIOLATION", caseId, rule: "CONTACT_HOURS", violation: { id: made.violations[0].id, rule: "CONTACT_HOURS", activityId: made.activity.id },
    });
    first = { activityId: made.activity.id, violationId: made.violations[0].id, cursor: got!.data.complianceAlerts.cursor };
    expect(first.cursor).toMatch(/^\d+$/);
  });

  it("resumes after a cursor with nothing older replayed, then the next alert; the other lender still hears nothing", async () => {
    const resumed = await live(`subscription($after: String) { complianceAlerts(after: $after) { ${ALERT} } }`, { after: first.cursor }, lender);
    const second = await reportCall(localInstant(timeZone, "04:00", new Date(Date.now() - MINUTE), true));
    const [next] = await resumed.next(1);
    expect(next!.data.complianceAlerts.violation.id).toBe(second.violations[0].id);
    expect(Number(next!.data.complianceAlerts.cursor)).toBeGreaterThan(Number(first.cursor));
    const seen = await alerts.next(2);
    expect(seen.map((r) => r.data.complianceAlerts.violation.id)).toEqual([first.violationId, second.violations[0].id]);
    // Alerts are delivered one event at a time: the second reached the lender, so it would have reached the other lender too.
    expect(resumed.received).toHaveLength(1);
    expect(strangerAlerts.received).toEqual([]);
    await resumed.stop();
  });

  it("lists the violation in agencies' violations for the lender as a CONTACT violation", async () => {
    const Q = `{ violations(first: 500) { edges { node { id kind rule caseId agencyId } } } }`;
    let found: any;
    await until(
      async () => {
        const r = await fed.query(Q, {}, lender);
        found = r.data?.violations?.edges.map((e: any) => e.node).find((v: any) => v.id === first.violationId);
        return !!found;
      },
      "the violation in agencies' list",
      15_000,
      200,
    );
    expect(found).toEqual({ id: first.violationId, kind: "CONTACT", rule: "CONTACT_HOURS", caseId, agencyId });
    const theirs = await fed.query(Q, {}, otherLender);
    expect(theirs.data.violations.edges.map((e: any) => e.node.id)).not.toContain(first.violationId);
  });

  it("shows an agency holding the case later the outcome of the first agency's call, never its notes", async () => {
    const recalled = await fed.query(`mutation($id: ID!) { recallPlacement(placementId: $id, reason: "Moved to another agency") { status } }`, { id: placementId }, lender);
    expect(recalled.data.recallPlacement.status).toBe("RECALLED");
    await placeWith(otherAgencyId);

    const listed = await fed.query(`query($id: ID!) { collectionCase(id: $id) { activities(first: 10) { edges { node { id outcome notes } } } } }`, { id: caseId }, otherAgency);
    const nodes = listed.data.collectionCase.activities.edges.map((e: any) => e.node);
    expect(nodes.map((a: any) => a.id)).toContain(first.activityId);
    for (const a of nodes) expect(a).toMatchObject({ outcome: "NO_ANSWER", notes: null });
    expect(new Set(codes(listed))).toEqual(new Set(["FORBIDDEN"]));
    expect(listed.errors!.every((e) => e.path?.at(-1) === "notes")).toBe(true);

    const one = await fed.query(`query($id: ID!) { activity(id: $id) { id outcome notes } }`, { id: first.activityId }, otherAgency);
    expect(one.data.activity).toEqual({ id: first.activityId, outcome: "NO_ANSWER", notes: null });
    expect(codes(one)).toEqual(["FORBIDDEN"]);
    // The case's lender reads the notes.
    const asLender = await fed.query(`query($id: ID!) { activity(id: $id) { notes } }`, { id: first.activityId }, lender);
    expect(asLender.data.activity.notes).toBe("Called at night by mistake");
  });

  it("pauses every contact when the borrower asks to cease: contactPolicy and revealContact refuse it, naming CONTACT_HOLD, and a required letter still may go", async () => {
    const [{ borrower_id: borrowerId }] = await fed.subgraphs.outreach!.ds.query("SELECT borrower_id FROM case_directory WHERE case_id = $1", [caseId]);
    const borrower = await fed.token({ role: "borrower", borrower_id: borrowerId });
    const ceased = await fed.query(`mutation($id: ID!) { requestCeaseCommunication(caseId: $id) { ceaseRequested } }`, { id: caseId }, borrower);
    expect(ceased.errors).toBeUndefined();
    expect(ceased.data.requestCeaseCommunication.ceaseRequested).toBe(true);
    // The hold travels to the loans subgraph's case directory by the bus.
    await until(async () => (await fed.loans.ds.query("SELECT 1 FROM case_directory_contact_hold WHERE case_id = $1 AND kind = 'CEASE'", [caseId])).length === 1, "loans to know the hold");

    const POLICY_NOW = `query($id: ID!, $channel: Channel!, $required: Boolean) { contactPolicy(caseId: $id, channel: $channel, required: $required) { allowed nextAllowedAt blockedBy { rule } } }`;
    const call = await fed.query(POLICY_NOW, { id: caseId, channel: "CALL" }, otherAgency);
    expect(call.data.contactPolicy.allowed).toBe(false);
    expect(call.data.contactPolicy.nextAllowedAt).toBeNull();
    expect(call.data.contactPolicy.blockedBy.map((b: any) => b.rule)).toContain("CONTACT_HOLD");
    const letter = await fed.query(POLICY_NOW, { id: caseId, channel: "LETTER", required: true }, otherAgency);
    expect(letter.data.contactPolicy.blockedBy.map((b: any) => b.rule)).not.toContain("CONTACT_HOLD");

    const reveal = await fed.query(`mutation($id: ID!) { revealContact(caseId: $id, channel: CALL) { value } }`, { id: caseId }, otherAgency);
    expect(reveal.data?.revealContact ?? null).toBeNull();
    expect(reveal.errors?.map((e) => [e.extensions?.code, e.extensions?.rule])).toEqual([["FORBIDDEN", "CONTACT_HOLD"]]);
  });
});
