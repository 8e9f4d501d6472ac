import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isObjectType } from "graphql";
import type { DataSource } from "typeorm";
import { appendToOutbox, asSubgraphModule, declaredScopes, FixedClock, localHour, newEvent, uuidv7 } from "@concord/service-kit";
import { seedDemoPortfolio } from "@concord/loans";
import { seedDemoAgencies } from "@concord/agencies";
import { readScopes, roleScopes, SUBGRAPHS, SUBSCRIPTIONS, type Role, type ScopeName } from "@concord/schema";
import { until, type GqlResponse } from "@concord/test-kit";
import { startFederation, type Federation } from "../support/federation";

/**
 * Scopes through the gateway, driven by the declarations: every mutation and subscription is
 * allowed with its scope and refused without it (nothing written, the refusal audited), and a
 * token without a `scope` claim reads every query its role's read scopes cover. An operation the
 * tables below do not cover fails the test, so a new mutation comes with its case.
 */

let fed: Federation;
const clock = new FixedClock(new Date("2026-11-25T10:00:00Z")); // 10:00 in London, 18:00 in Shanghai
let lenderId: string;
let agencyId: string;
let agentId: string;
/** Open cases of one lender in the demo agency's regions, none placed: A..D are the mutations', C is held throughout. */
const cases: Record<"A" | "B" | "C" | "D", { id: string; loanId: string; borrowerId: string; currency: string }> = {} as never;
/** A placement of case C with the agency, and a visit requested on it, for the read queries. */
let heldPlacementId: string;
let visitId: string;
/** An activity the agency reported on case C at night, and the violation it broke. */
let activityId: string;
let violationId: string;
/** A dispute of case C, raised and resolved before the tests. */
let disputeId: string;
/** A hardship of case C, declared and rejected before the tests. */
let hardshipId: string;
/** A complaint about case C its borrower filed before the tests. */
let complaintId: string;
/** An offer on case C the agency made and the borrower accepted, and the plan it became, before the tests. */
let offerId: string;
let planId: string;
let refs = 0;

const claimsOf = (role: Role) =>
  ({ lender: { lender_id: lenderId }, agency: { agency_id: agencyId }, borrower: { borrower_id: cases.C.borrowerId }, auditor: {} })[role];
/** A token of `role`: with exactly `scope` (space-separated), or with no `scope` claim when null. */
const tokenOf = (role: Role, scope: string | null) => fed.token({ role, ...claimsOf(role), scope });
/** A token with every scope of its role (the test issuer's default). */
const full = (role: Role) => fed.token({ role, ...claimsOf(role) });

async function asFull<T = any>(role: Role, query: string, variables: Record<string, unknown> = {}): Promise<T> {
  const r = await fed.query(query, variables, await full(role));
  if (r.errors) throw new Error(`${query.slice(0, 60)}: ${JSON.stringify(r.errors)}`);
  return r.data as T;
}

const PLACE = `mutation($i: PlaceCaseInput!) { placeCase(input: $i) { id } }`;
const placeInput = (caseId: string) => ({ caseId, agencyId, expiresAt: "2027-02-01T00:00:00Z", commissionBps: 1200, maxDiscountBps: 500, maxInstalments: 6 });
/** Places `caseId` with the agency and waits until every subgraph's case directory knows it. */
async function place(caseId: string): Promise<string> {
  const { placeCase } = await asFull("lender", PLACE, { i: placeInput(caseId) });
  for (const ds of Object.values(fed.subgraphs).map((sg) => sg.ds as DataSource)) {
    await until(
      async () => (await ds.query("SELECT 1 FROM case_directory_placement WHERE placement_id = $1 AND expires_at IS NOT NULL AND ended_at IS NULL", [placeCase.id])).length === 1,
      "the placement in the case directory",
    );
  }
  return placeCase.id;
}
const REQUEST = `mutation($i: RequestHomeVisitInput!) { requestHomeVisit(input: $i) { id status } }`;
const visitInput = () => ({ caseId: cases.C.id, agentId, reason: "No answer by phone for 30 days", windowStart: "2026-11-25T11:00:00Z", windowEnd: "2026-11-25T13:00:00Z" });
const requestVisit = async () => (await asFull("agency", REQUEST, { i: visitInput() })).requestHomeVisit.id as string;
const REPORT = `mutation($i: ReportActivityInput!) { reportActivity(input: $i) { replayed activity { id } violations { id } } }`;
/** A call to case C's borrower at 03:00 their time in the last day: a contact outside hours, reported all the same. */
async function nightCall() {
  const [{ timezone }] = await fed.loans.ds.query("SELECT timezone FROM borrower WHERE id = $1", [cases.C.borrowerId]);
  let at = new Date(clock.now().getTime() - 3_600_000);
  while (localHour(at, timezone) !== 3) at = new Date(at.getTime() - 3_600_000);
  return { idempotencyKey: uuidv7(), caseId: cases.C.id, channel: "CALL", direction: "OUTBOUND", outcome: "NO_ANSWER", occurredAt: at.toISOString(), agentId, notes: "No answer" };
}

/** What is in every subgraph's tables but the audit log: a row count and a digest of the rows, per table. */
/** The latest complaint about case C not yet closed. */
async function openComplaint(): Promise<string> {
  const [open] = await fed.subgraphs.outreach!.ds.query("SELECT id FROM complaint WHERE case_id = $1 AND status <> 'CLOSED' ORDER BY received_at DESC, id DESC LIMIT 1", [cases.C.id]);
  return open.id;
}

async function snapshot(): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const [name, s] of Object.entries(fed.subgraphs)) {
    const ds: DataSource = s.ds;
    const tables: Array<{ t: string }> = await ds.query(
      "SELECT tablename AS t FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'audit_log' ORDER BY tablename",
    );
    for (const { t } of tables) {
      const [row] = await ds.query(`SELECT count(*)::int AS n, md5(coalesce(string_agg(x::text, '|' ORDER BY x::text), '')) AS h FROM "${t}" x`);
      out[`${name}.${t}`] = `${row.n} ${row.h}`;
    }
  }
  return out;
}

/** Waits until no event of an earlier step is still being applied, and says what the tables hold. */
async function settled(): Promise<Record<string, string>> {
  let last = await snapshot();
  for (let i = 0; i < 100; i++) {
    await new Promise((r) => setTimeout(r, 200));
    const now = await snapshot();
    if (JSON.stringify(now) === JSON.stringify(last)) return now;
    last = now;
  }
  throw new Error("the subgraphs' tables never settled");
}

/** FORBIDDEN rows in every subgraph's audit log for one operation. */
async function refusalsOf(type: string, field: string): Promise<number> {
  let n = 0;
  for (const s of Object.values(fed.subgraphs)) {
    const [row] = await s.ds.query("SELECT count(*)::int AS n FROM audit_log WHERE action = 'FORBIDDEN' AND subject_type = $1 AND subject_field = $2", [type, field]);
    n += row.n;
  }
  return n;
}

/** The root Query and Mutation fields of every registered subgraph, with the scope each declares. */
async function operations(): Promise<Array<{ type: "Query" | "Mutation"; field: string; scope: ScopeName | undefined }>> {
  const out = [];
  for (const entry of SUBGRAPHS) {
    const schema = await asSubgraphModule(entry, await import(entry.package)).buildSchema();
    for (const root of [schema.getQueryType(), schema.getMutationType()]) {
      if (!root || !isObjectType(root)) continue;
      for (const field of Object.keys(root.getFields())) {
        if (field.startsWith("_")) continue;
        const type = root.name as "Query" | "Mutation";
        out.push({ type, field, scope: declaredScopes().find((d) => d.type === type && d.field === field)?.scope });
      }
    }
  }
  return out;
}

const PROPOSE_OFFER = `mutation($i: ProposeOfferInput!) { proposeOffer(input: $i) { id status } }`;
/** A settlement of case C: within the agency's delegated authority (500 bps) at 100 bps, beyond it at 600. */
const offerInput = (discountBps: number) => ({ idempotencyKey: uuidv7(), caseId: cases.C.id, kind: "SETTLEMENT", discountBps, firstDueDate: "2026-12-15" });
const proposeOnC = async (discountBps = 100) => (await asFull("agency", PROPOSE_OFFER, { i: offerInput(discountBps) })).proposeOffer.id as string;

/**
 * Ends a plan of case C as BROKEN directly (quicker than letting its grace run out), and tells the
 * other subgraphs as restructuring would (PlanUpdated through its outbox), so loans and outreach
 * end the arrangement and lift its contact hold, without resolving the case as a completed
 * settlement would; waits until loans' directory has the hold lifted.
 */
async function breakPlan(where: { id: string } | { offerId: string }) {
  const ds = fed.subgraphs.restructuring!.ds as DataSource;
  const holds = async () =>
    (await fed.loans.ds.query(
      "SELECT count(*) FILTER (WHERE lifted_at IS NULL)::int AS held, count(*) FILTER (WHERE lifted_at IS NOT NULL)::int AS lifted FROM case_directory_contact_hold WHERE case_id = $1 AND kind = 'ARRANGEMENT'",
      [cases.C.id],
    ))[0] as { held: number; lifted: number };
  const before = (await holds()).lifted;
  const [[row]] = await ds.query(
    `UPDATE plan SET status = 'BROKEN', broken_at = $2, version = version + 1 WHERE ${"id" in where ? "id" : "offer_id"} = $1 RETURNING *`,
    ["id" in where ? where.id : where.offerId, clock.now()],
  );
  const [offer] = await ds.query("SELECT kind FROM offer WHERE id = $1", [row.offer_id]);
  const payload = {
    planId: row.id, offerId: row.offer_id, caseId: row.case_id, borrowerId: row.borrower_id ?? null, kind: offer.kind, status: "BROKEN", change: "BROKEN",
    paidMinor: "0", totalPayableMinor: String(row.total_payable_minor), totalForgivenMinor: String(row.total_forgiven_minor), currency: String(row.currency).trim(), nextDueDate: null, paymentId: null,
  };
  await ds.transaction((tx) => appendToOutbox(tx, [newEvent({ type: "PlanUpdated", aggregateType: "Plan", aggregateId: row.id, aggregateVersion: row.version, lenderId: row.lender_id, payload }, clock.now())]));
  // The plan's hold placed (PlanStarted) and then lifted (this PlanUpdated), as loans' directory hears it: one more lifted, none held.
  await until(async () => {
    const h = await holds();
    return h.held === 0 && h.lifted === before + 1;
  }, "loans' directory to lift the arrangement's hold");
}

const scopeError = (r: GqlResponse) => (r.errors ?? []).map((e) => ({ code: e.extensions?.code, scope: e.extensions?.scope, message: e.message }));

beforeAll(async () => {
  fed = await startFederation({ clock });
  await seedDemoPortfolio(fed.loans.ds, { asOf: "2026-11-25", borrowers: 80 }, clock);
  const [{ n }] = await fed.loans.ds.query("SELECT count(*)::int AS n FROM collection_case");
  await until(async () => (await fed.agencies.ds.query("SELECT count(*)::int AS n FROM case_directory"))[0].n === n, "the case directory");
  ({ demoAgencyId: agencyId } = await seedDemoAgencies(fed.agencies.ds, clock));
  [{ id: agentId }] = await fed.agencies.ds.query("SELECT id FROM agent WHERE agency_id = $1 AND active ORDER BY id LIMIT 1", [agencyId]);
  const open: Array<{ case_id: string; lender_id: string }> = await fed.agencies.ds.query(
    `SELECT f.case_id, f.lender_id FROM case_directory f WHERE f.status = 'OPEN' AND f.region = ANY((SELECT regions FROM agency WHERE id = $1)::text[])
       AND NOT EXISTS (SELECT 1 FROM placement p WHERE p.case_id = f.case_id) ORDER BY f.lender_id, f.case_id`,
    [agencyId],
  );
  lenderId = open[0]!.lender_id;
  const mine = open.filter((o) => o.lender_id === lenderId).slice(0, 4);
  expect(mine).toHaveLength(4);
  for (const [i, key] of (["A", "B", "C", "D"] as const).entries()) {
    const [c] = await fed.loans.ds.query(
      "SELECT c.id, c.loan_id, c.borrower_id, l.currency FROM collection_case c JOIN loan l ON l.id = c.loan_id WHERE c.id = $1",
      [mine[i]!.case_id],
    );
    cases[key] = { id: c.id, loanId: c.loan_id, borrowerId: c.borrower_id, currency: c.currency };
  }
  heldPlacementId = await place(cases.C.id);
  visitId = await requestVisit();
  const { reportActivity } = await asFull("agency", REPORT, { i: await nightCall() });
  activityId = reportActivity.activity.id;
  [{ id: violationId }] = reportActivity.violations;
  // A dispute of case C its borrower raised and the lender resolved at once: one to read, no hold left.
  disputeId = (await asFull("borrower", `mutation($id: ID!) { raiseDispute(caseId: $id, reason: "Wrong amount") { id } }`, { id: cases.C.id })).raiseDispute.id;
  await asFull("lender", `mutation($id: ID!) { resolveDispute(disputeId: $id, resolution: REJECTED) { id } }`, { id: disputeId });
  // A hardship of case C its borrower declared and the lender rejected at once: one to read, no hold left.
  hardshipId = (await asFull("borrower", `mutation($id: ID!) { declareHardship(caseId: $id, kind: JOB_LOSS) { id } }`, { id: cases.C.id })).declareHardship.id;
  await asFull("lender", `mutation($id: ID!) { decideHardship(hardshipId: $id, approve: false) { id } }`, { id: hardshipId });
  // A complaint about case C its borrower filed: one to read (complaints hold no contact).
  complaintId = (await asFull("borrower", `mutation($id: ID!) { fileComplaint(caseId: $id, category: CONDUCT, description: "Rude agent") { id } }`, { id: cases.C.id })).fileComplaint.id;
  // An offer on case C the borrower accepted, and its plan, to read. The plan is then ended
  // (breakPlan), so case C has no ACTIVE plan nor its hold, and the offer mutations below can make another.
  const restructuring = fed.subgraphs.restructuring!.ds as DataSource;
  await until(async () => (await restructuring.query("SELECT 1 FROM case_figures WHERE case_id = $1", [cases.C.id])).length === 1, "restructuring to know case C's figures");
  offerId = await proposeOnC();
  await asFull("borrower", `mutation($id: ID!) { acceptOffer(offerId: $id, version: 1) { id } }`, { id: offerId });
  [{ id: planId }] = await restructuring.query("SELECT id FROM plan WHERE offer_id = $1", [offerId]);
  await breakPlan({ id: planId });
});
afterAll(async () => fed?.stop());

describe("scope declarations", () => {
  it("give every root query and mutation of every subgraph a scope", async () => {
    expect((await operations()).filter((o) => !o.scope)).toEqual([]);
  });

  it("give each subscription a scope that also lets its subscriber resolve the events' object", () => {
    for (const d of SUBSCRIPTIONS) {
      for (const en of d.entities) expect(declaredScopes().find((s) => s.type === "Query" && s.field === en.query)?.scope, `${d.field}.${en.field}`).toBe(en.scope ?? d.scope);
    }
  });
});

describe("queries with a token without a scope claim", () => {
  const QUERIES: Record<string, { query: string; variables?: () => Record<string, unknown> }> = {
    agencies: { query: `{ agencies { id } }` },
    agency: { query: `query($id: ID!) { agency(id: $id) { id } }`, variables: () => ({ id: agencyId }) },
    placement: { query: `query($id: ID!) { placement(id: $id) { id } }`, variables: () => ({ id: heldPlacementId }) },
    homeVisit: { query: `query($id: ID!) { homeVisit(id: $id) { id } }`, variables: () => ({ id: visitId }) },
    collectionCases: { query: `{ collectionCases(first: 5) { edges { node { id } } } }` },
    collectionCase: { query: `query($id: ID!) { collectionCase(id: $id) { id } }`, variables: () => ({ id: cases.C.id }) },
    loan: { query: `query($id: ID!) { loan(id: $id) { id } }`, variables: () => ({ id: cases.C.loanId }) },
    borrower: { query: `query($id: ID!) { borrower(id: $id) { id } }`, variables: () => ({ id: cases.C.borrowerId }) },
    auditEntries: { query: `{ auditEntries(first: 1) { entries { sequence } } }` },
    homeVisits: { query: `{ homeVisits(first: 5) { edges { node { id } } } }` },
    violations: { query: `{ violations(first: 5) { edges { node { id } } } }` },
    caseReport: { query: `{ caseReport { cases } }` },
    activity: { query: `query($id: ID!) { activity(id: $id) { id } }`, variables: () => ({ id: activityId }) },
    contactPolicy: { query: `query($id: ID!) { contactPolicy(caseId: $id, channel: SMS) { allowed } }`, variables: () => ({ id: cases.C.id }) },
    contactProfile: { query: `query($id: ID) { contactProfile(lenderId: $id) { jurisdiction } }`, variables: () => ({ id: lenderId }) },
    complianceViolation: { query: `query($id: ID!) { complianceViolation(id: $id) { id } }`, variables: () => ({ id: violationId }) },
    dispute: { query: `query($id: ID!) { dispute(id: $id) { id } }`, variables: () => ({ id: disputeId }) },
    hardship: { query: `query($id: ID!) { hardship(id: $id) { id } }`, variables: () => ({ id: hardshipId }) },
    notices: { query: `query($id: ID!) { notices(caseId: $id) { stage status } }`, variables: () => ({ id: cases.C.id }) },
    complaint: { query: `query($id: ID!) { complaint(id: $id) { id } }`, variables: () => ({ id: complaintId }) },
    promiseStats: { query: `{ promiseStats(from: "2026-11-01", to: "2026-11-30") { agencyId made } }` },
    offer: { query: `query($id: ID!) { offer(id: $id) { id } }`, variables: () => ({ id: offerId }) },
    myOffers: { query: `{ myOffers { id } }` },
    plan: { query: `query($id: ID!) { plan(id: $id) { id } }`, variables: () => ({ id: planId }) },
    restructuringTerms: { query: `query($id: ID) { restructuringTerms(lenderId: $id) { legalMinDaysPastDue } }`, variables: () => ({ id: lenderId }) },
  };

  it("has a case for every root query", async () => {
    const queries = (await operations()).filter((o) => o.type === "Query").map((o) => o.field);
    expect(Object.keys(QUERIES).sort()).toEqual(queries.sort());
  });

  it("reads every query its role's read scopes cover, and is refused the others naming the scope", async () => {
    const failures: string[] = [];
    const ops = (await operations()).filter((o) => o.type === "Query");
    for (const role of ["lender", "agency", "borrower", "auditor"] as const) {
      const token = await tokenOf(role, null);
      for (const { field, scope } of ops) {
        const q = QUERIES[field]!;
        const r = await fed.query(q.query, q.variables?.() ?? {}, token);
        if (readScopes(role).includes(scope!)) {
          if (r.errors || r.data?.[field] == null) failures.push(`${role} ${field}: ${JSON.stringify(r).slice(0, 300)}`);
        } else {
          const errs = scopeError(r);
          if (errs.length !== 1 || errs[0]!.code !== "FORBIDDEN" || errs[0]!.scope !== scope || !errs[0]!.message.includes(scope!)) {
            failures.push(`${role} ${field} should be refused for ${scope}: ${JSON.stringify(r).slice(0, 300)}`);
          }
        }
      }
    }
    expect(failures).toEqual([]);
  });

  it("holds what a root query reaches to the read scope of each type it reaches", async () => {
    const narrow = await tokenOf("lender", "agencies:read placements:read");
    const r = await fed.query(
      `query($id: ID!) { placement(id: $id) { id collectionCase { id status borrower { id fullName nationalId } loan { reference } } } }`,
      { id: heldPlacementId },
      narrow,
    );
    expect(r.data?.placement?.id).toBe(heldPlacementId);
    // Its id is plumbing; everything of the case, and what hangs off it, needs cases:read.
    expect(r.data?.placement?.collectionCase).toEqual({ id: cases.C.id, status: null, borrower: null, loan: null });
    expect(new Set(scopeError(r).map((e) => `${e.code} ${e.scope}`))).toEqual(new Set(["FORBIDDEN cases:read"]));
    // With cases:read the case shows, and the borrower and loan still need theirs.
    const wider = await fed.query(
      `query($id: ID!) { placement(id: $id) { collectionCase { id borrower { fullName } loan { reference } } } }`,
      { id: heldPlacementId },
      await tokenOf("lender", "placements:read cases:read"),
    );
    expect(wider.data?.placement?.collectionCase?.id).toBe(cases.C.id);
    expect(wider.data?.placement?.collectionCase?.borrower?.fullName ?? null).toBeNull();
    expect(wider.data?.placement?.collectionCase?.loan?.reference ?? null).toBeNull();
    expect(new Set(scopeError(wider).map((e) => e.scope))).toEqual(new Set(["borrowers:read", "loans:read"]));
  });

  it("refuses a query to a token narrowed to other scopes, naming the one it needs", async () => {
    const r = await fed.query(QUERIES.collectionCase!.query, { id: cases.C.id }, await tokenOf("lender", "payments:write"));
    expect(r.data?.collectionCase).toBeNull();
    expect(scopeError(r)).toEqual([{ code: "FORBIDDEN", scope: "cases:read", message: "Query.collectionCase needs the scope cases:read, which your token does not grant" }]);
  });

  it("drops the scopes a role may not hold, however the token claims them", async () => {
    // An agency token claiming a lender's write and the auditor's read gets neither.
    const r = await fed.query(`{ auditEntries(first: 1) { entries { sequence } } }`, {}, await tokenOf("agency", "audit:read cases:read payments:write"));
    expect(scopeError(r).map((e) => [e.code, e.scope])).toEqual([["FORBIDDEN", "audit:read"]]);
  });
});

describe("subscriptions", () => {
  const SUBS: Record<string, { role: Role; query: string; trigger: () => Promise<unknown> }> = {
    caseUpdated: {
      role: "lender",
      query: `subscription($id: ID) { caseUpdated(caseId: $id) { kind caseId case { id } } }`,
      trigger: () => pay(cases.C),
    },
    myCaseUpdates: {
      role: "borrower",
      query: `subscription($id: ID) { myCaseUpdates(caseId: $id) { kind caseId case { id } } }`,
      trigger: () => pay(cases.C),
    },
    placementsReceived: {
      role: "agency",
      query: `subscription { placementsReceived { caseId placement { id } } }`,
      trigger: () => place(cases.D.id),
    },
    complianceAlerts: {
      role: "lender",
      query: `subscription { complianceAlerts { kind caseId violation { id } } }`,
      trigger: async () => asFull("agency", REPORT, { i: await nightCall() }),
    },
    planUpdated: {
      role: "borrower",
      query: `subscription { planUpdated { kind planId plan { id } } }`,
      // The borrower accepts another offer on case C (PlanStarted), whose plan is then ended as the first was.
      trigger: async () => {
        const id = await proposeOnC();
        await asFull("borrower", `mutation($id: ID!) { acceptOffer(offerId: $id, version: 1) { id } }`, { id });
        await breakPlan({ offerId: id });
      },
    },
  };
  const pay = (c: (typeof cases)["A"]) =>
    asFull("lender", `mutation($input: RecordPaymentInput!) { recordPayment(input: $input) { replayed } }`, {
      input: { loanId: c.loanId, amountMinor: 100, currency: c.currency, receivedAt: clock.now().toISOString(), externalReference: `scopes-${++refs}` },
    });

  it("has a case for every declared subscription", () => {
    expect(Object.keys(SUBS).sort()).toEqual(SUBSCRIPTIONS.map((d) => d.field).sort());
  });

  for (const d of SUBSCRIPTIONS) {
    it(`${d.field}: refused without ${d.scope} (naming it), delivered with only ${d.scope}`, async () => {
      const c = SUBS[d.field]!;
      const variables = { id: cases.C.id };
      const without = fed.subscribe(c.query, variables, await tokenOf(c.role, roleScopes(c.role).filter((s) => s !== d.scope).join(" ")));
      const errors = await without.failed;
      expect(errors?.map((e) => [e.extensions?.code, e.extensions?.scope, e.message])).toEqual([
        ["FORBIDDEN", d.scope, `Subscription.${d.field} needs the scope ${d.scope}, which your token does not grant`],
      ]);
      await without.stop();

      const before = fed.gateway.subscribers();
      const feed = fed.subscribe(c.query, variables, await tokenOf(c.role, d.scope));
      let refused: unknown;
      void feed.failed.then((e) => (refused = e));
      await until(() => fed.gateway.subscribers() > before || refused !== undefined, "the gateway to hold the subscription");
      expect(refused).toBeUndefined();
      await c.trigger();
      const [got] = await feed.next(1, 15_000);
      expect(got!.errors).toBeUndefined();
      expect(Object.values(got!.data as Record<string, unknown>)[0]).toBeTruthy();
      await feed.stop();
    });
  }
});

describe("mutations", () => {
  let placementA: string;
  let placementB: string;
  let rejectedVisit: string;
  let cancelledVisit: string;
  let approvedOffer: string;
  let rejectedOffer: string;
  let withdrawnOffer: string;
  let acceptedOffer: string;
  let escalatedCase: string;

  /** Each mutation in the order they run: who calls it, the operation, and what to do first. */
  const MUTATIONS: Record<string, { role: Role; query: string; prepare?: () => Promise<Record<string, unknown>>; after?: () => void }> = {
    placeCase: { role: "lender", query: `mutation($i: PlaceCaseInput!) { placeCase(input: $i) { id status } }`, prepare: async () => ({ i: placeInput(cases.A.id) }) },
    recallPlacement: {
      role: "lender",
      query: `mutation($id: ID!) { recallPlacement(placementId: $id, reason: "in-house") { id status } }`,
      prepare: async () => {
        [{ id: placementA }] = await fed.agencies.ds.query("SELECT id FROM placement WHERE case_id = $1 AND status = 'ACTIVE'", [cases.A.id]);
        return { id: placementA };
      },
    },
    returnPlacement: {
      role: "agency",
      query: `mutation($id: ID!) { returnPlacement(placementId: $id, reason: "cannot reach") { id status } }`,
      prepare: async () => ({ id: (placementB = await place(cases.B.id)) }),
    },
    requestHomeVisit: { role: "agency", query: REQUEST, prepare: async () => ({ i: visitInput() }) },
    approveHomeVisit: { role: "lender", query: `mutation($id: ID!) { approveHomeVisit(visitId: $id, note: "go") { id status } }`, prepare: async () => ({ id: visitId }) },
    confirmHomeVisit: { role: "agency", query: `mutation($id: ID!) { confirmHomeVisit(visitId: $id) { id status } }`, prepare: async () => ({ id: visitId }) },
    completeHomeVisit: {
      role: "agency",
      query: `mutation($id: ID!) { completeHomeVisit(visitId: $id, report: "Met the borrower", recordingReference: "rec-1") { id status } }`,
      prepare: async () => {
        clock.set("2026-11-25T12:00:00Z");
        return { id: visitId };
      },
      after: () => clock.set("2026-11-25T10:00:00Z"),
    },
    rejectHomeVisit: {
      role: "lender",
      query: `mutation($id: ID!) { rejectHomeVisit(visitId: $id, note: "no") { id status } }`,
      prepare: async () => ({ id: (rejectedVisit = await requestVisit()) }),
    },
    cancelHomeVisit: {
      role: "agency",
      query: `mutation($id: ID!) { cancelHomeVisit(visitId: $id) { id status } }`,
      prepare: async () => ({ id: (cancelledVisit = await requestVisit()) }),
    },
    revealContact: { role: "agency", query: `mutation($id: ID!) { revealContact(caseId: $id, channel: CALL) { value } }`, prepare: async () => ({ id: cases.C.id }) },
    recordPayment: {
      role: "lender",
      query: `mutation($input: RecordPaymentInput!) { recordPayment(input: $input) { replayed payment { id } } }`,
      prepare: async () => ({
        input: { loanId: cases.A.loanId, amountMinor: 100, currency: cases.A.currency, receivedAt: clock.now().toISOString(), externalReference: `scopes-${++refs}` },
      }),
    },
    refreshDelinquency: { role: "lender", query: `mutation { refreshDelinquency { __typename } }` },
    reportActivity: { role: "agency", query: REPORT, prepare: async () => ({ i: await nightCall() }) },
    setContactProfile: {
      role: "lender",
      query: `mutation { setContactProfile(jurisdiction: US_REG_F, overrides: { maxCallAttemptsPer7Days: 6 }) { version } }`,
    },
    allocateCases: {
      role: "lender",
      query: `mutation($i: AllocateCasesInput!) { allocateCases(input: $i) { placed { caseId } } }`,
      prepare: async () => ({ i: { expiresAt: "2027-02-01T00:00:00Z", commissionBps: 1500, maxDiscountBps: 1000, maxInstalments: 12 } }),
    },
    sendNotice: {
      role: "lender",
      query: `mutation($id: ID!) { sendNotice(caseId: $id, stage: FIRST_REMINDER, channel: LETTER) { id status } }`,
      prepare: async () => {
        // The notice states what the case has overdue, as outreach's case-balance consumer keeps it.
        await until(async () => (await fed.subgraphs.outreach!.ds.query("SELECT 1 FROM case_balance WHERE case_id = $1", [cases.C.id])).length === 1, "outreach to know what case C has overdue");
        return { id: cases.C.id };
      },
    },
    // Complaints hold no contact: filed on case C, marked complex, answered (closed) by the lender.
    fileComplaint: {
      role: "borrower",
      query: `mutation($id: ID!) { fileComplaint(caseId: $id, category: CONTACT_FREQUENCY, description: "Too many calls", idempotencyKey: "scopes-complaint") { id status } }`,
      prepare: async () => ({ id: cases.C.id }),
    },
    markComplaintComplex: {
      role: "lender",
      query: `mutation($id: ID!) { markComplaintComplex(complaintId: $id) { id complex } }`,
      prepare: async () => ({ id: await openComplaint() }),
    },
    respondToComplaint: {
      role: "lender",
      query: `mutation($id: ID!) { respondToComplaint(complaintId: $id, response: "We have reduced the calls.", final: true) { id status } }`,
      prepare: async () => ({ id: await openComplaint() }),
    },
    proposeOffer: { role: "agency", query: PROPOSE_OFFER, prepare: async () => ({ i: offerInput(100) }) },
    approveOffer: {
      role: "lender",
      query: `mutation($id: ID!) { approveOffer(offerId: $id, note: "Agreed") { id status } }`,
      prepare: async () => ({ id: (approvedOffer = await proposeOnC(600)) }),
    },
    rejectOffer: { role: "borrower", query: `mutation($id: ID!) { rejectOffer(offerId: $id, reason: "Too much") { id status } }`, prepare: async () => ({ id: (rejectedOffer = await proposeOnC()) }) },
    withdrawOffer: { role: "agency", query: `mutation($id: ID!) { withdrawOffer(offerId: $id) { id status } }`, prepare: async () => ({ id: (withdrawnOffer = await proposeOnC()) }) },
    acceptOffer: {
      role: "borrower",
      query: `mutation($id: ID!, $v: Int!) { acceptOffer(offerId: $id, version: $v) { id status } }`,
      prepare: async () => ({ id: (acceptedOffer = await proposeOnC()), v: 1 }),
    },
    setRestructuringTerms: { role: "lender", query: `mutation($i: RestructuringTermsInput!) { setRestructuringTerms(input: $i) { planGraceDays } }`, prepare: async () => ({ i: { planGraceDays: 12 } }) },
    escalateToLegal: {
      role: "lender",
      query: `mutation($id: ID!) { escalateToLegal(caseId: $id, legalOpinionReference: "Opinion 1", reason: "No payment") { id caseId } }`,
      // Not case C (an escalation moves a case to LEGAL): another case of the lender (open or placed), made
      // ready in restructuring's read models (far past due, its legal warning's wait over).
      prepare: async () => {
        const restructuring = fed.subgraphs.restructuring!.ds as DataSource;
        const [c] = await restructuring.query(
          `SELECT f.case_id FROM case_figures f JOIN case_opening o ON o.case_id = f.case_id
            WHERE f.lender_id = $1 AND f.status IN ('OPEN', 'PLACED') AND f.case_id <> ALL($2::uuid[])
              AND NOT EXISTS (SELECT 1 FROM case_directory_contact_hold h WHERE h.case_id = f.case_id) ORDER BY f.case_id LIMIT 1`,
          [lenderId, Object.values(cases).map((x) => x.id)],
        );
        await restructuring.query("UPDATE case_figures SET days_past_due = 400 WHERE case_id = $1", [c.case_id]);
        await restructuring.query("INSERT INTO legal_warning_notice (notice_id, case_id, sent_at, earliest_legal_step_at) VALUES ($1, $2, $3, $3)", [uuidv7(), c.case_id, clock.now()]);
        escalatedCase = c.case_id;
        return { id: c.case_id };
      },
    },
    // Last: an open dispute holds contact on case C until the next one resolves it.
    raiseDispute: { role: "borrower", query: `mutation($id: ID!) { raiseDispute(caseId: $id, reason: "Not my loan") { id status } }`, prepare: async () => ({ id: cases.C.id }) },
    resolveDispute: {
      role: "lender",
      query: `mutation($id: ID!) { resolveDispute(disputeId: $id, resolution: UPHELD) { id status } }`,
      prepare: async () => {
        const [open] = await fed.subgraphs.outreach!.ds.query("SELECT id FROM dispute WHERE case_id = $1 AND status = 'OPEN'", [cases.C.id]);
        return { id: open.id };
      },
    },
    // Last: a hardship holds contact on case C; the lender approves it open-ended, then ends it (30 days more).
    declareHardship: {
      role: "borrower",
      query: `mutation($id: ID!) { declareHardship(caseId: $id, kind: MENTAL_HEALTH_CRISIS) { id status } }`,
      prepare: async () => ({ id: cases.C.id }),
    },
    decideHardship: {
      role: "lender",
      query: `mutation($id: ID!) { decideHardship(hardshipId: $id, approve: true) { id status } }`,
      prepare: async () => {
        const [open] = await fed.subgraphs.outreach!.ds.query("SELECT id FROM hardship WHERE case_id = $1 AND status = 'DECLARED'", [cases.C.id]);
        return { id: open.id };
      },
    },
    endHardship: {
      role: "lender",
      query: `mutation($id: ID!) { endHardship(hardshipId: $id) { id status } }`,
      prepare: async () => {
        const [open] = await fed.subgraphs.outreach!.ds.query("SELECT id FROM hardship WHERE case_id = $1 AND status = 'APPROVED'", [cases.C.id]);
        return { id: open.id };
      },
    },
    // Last: a cease request pauses every contact on case C for good.
    setContactPreference: {
      role: "borrower",
      query: `mutation($i: ContactPreferenceInput!) { setContactPreference(input: $i) { optedOutChannels } }`,
      prepare: async () => ({ i: { caseId: cases.C.id, optedOutChannels: ["SMS"], preferredLanguage: "en-GB" } }),
    },
    requestCeaseCommunication: {
      role: "borrower",
      query: `mutation($id: ID!) { requestCeaseCommunication(caseId: $id) { ceaseRequested } }`,
      prepare: async () => ({ id: cases.C.id }),
    },
  };

  it("has a case for every root mutation", async () => {
    const mutations = (await operations()).filter((o) => o.type === "Mutation").map((o) => o.field);
    expect(Object.keys(MUTATIONS).sort()).toEqual(mutations.sort());
  });

  it("refuses each mutation without its scope, writing nothing but the audited refusal, and runs it with that scope (and the read scopes of what it returns)", async () => {
    const ops = (await operations()).filter((o) => o.type === "Mutation");
    for (const [field, c] of Object.entries(MUTATIONS)) {
      const scope = ops.find((o) => o.field === field)!.scope!;
      const variables = (await c.prepare?.()) ?? {};
      const before = await settled();
      const refusedBefore = await refusalsOf("Mutation", field);
      const narrow = roleScopes(c.role).filter((s) => s !== scope).join(" ");
      for (const [label, token] of [["no scope claim", await tokenOf(c.role, null)], [`every scope but ${scope}`, await tokenOf(c.role, narrow)]] as const) {
        const r = await fed.query(c.query, variables, token);
        expect(r.data?.[field] ?? null, `${field} with ${label}`).toBeNull();
        expect(scopeError(r), `${field} with ${label}`).toEqual([
          { code: "FORBIDDEN", scope, message: `Mutation.${field} needs the scope ${scope}, which your token does not grant` },
        ]);
      }
      expect(await snapshot(), `${field}: refused calls changed nothing`).toEqual(before);
      expect(await refusalsOf("Mutation", field), `${field}: each refusal is in the audit log`).toBe(refusedBefore + 2);

      const ok = await fed.query(c.query, variables, await tokenOf(c.role, [scope, ...readScopes(c.role)].join(" ")));
      expect(ok.errors, `${field} with ${scope}`).toBeUndefined();
      expect(ok.data?.[field], `${field} with ${scope}`).toBeTruthy();
      c.after?.();
    }
    // What the allowed calls did, to be sure each was the real thing.
    const status = async (table: string, id: string) => (await fed.agencies.ds.query(`SELECT status FROM ${table} WHERE id = $1`, [id]))[0].status;
    expect(await status("placement", placementA)).toBe("RECALLED");
    expect(await status("placement", placementB)).toBe("RETURNED");
    expect(await status("home_visit", visitId)).toBe("COMPLETED");
    expect(await status("home_visit", rejectedVisit)).toBe("REJECTED");
    expect(await status("home_visit", cancelledVisit)).toBe("CANCELLED");
    expect(await fed.subgraphs.outreach!.ds.query("SELECT status, complex FROM complaint WHERE idempotency_key = 'scopes-complaint'")).toEqual([{ status: "CLOSED", complex: true }]);
    const offerStatus = async (id: string) => (await fed.subgraphs.restructuring!.ds.query("SELECT status FROM offer WHERE id = $1", [id]))[0].status;
    // Approved (PROPOSED), then withdrawn by the system when acceptOffer accepted another offer of case C.
    const approvedEvents = await fed.subgraphs.restructuring!.ds.query("SELECT type FROM outbox WHERE aggregate_id = $1 ORDER BY seq", [approvedOffer]);
    expect(approvedEvents.map((e: { type: string }) => e.type)).toEqual(["OfferProposed", "OfferApproved", "OfferWithdrawn"]);
    expect(await offerStatus(approvedOffer)).toBe("WITHDRAWN");
    expect(await offerStatus(rejectedOffer)).toBe("REJECTED");
    expect(await offerStatus(withdrawnOffer)).toBe("WITHDRAWN");
    expect(await offerStatus(acceptedOffer)).toBe("ACCEPTED");
    expect(await fed.subgraphs.restructuring!.ds.query("SELECT count(*)::int AS n FROM legal_escalation WHERE case_id = $1", [escalatedCase])).toEqual([{ n: 1 }]);
  }, 180_000);
});
