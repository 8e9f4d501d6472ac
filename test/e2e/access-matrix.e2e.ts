import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { asSubgraphModule, declaredFieldPolicies, FixedClock, listsWithoutRowRule, localHour, newEvent, subjectOf, uuidv7, type Relation } from "@concord/service-kit";
import { SUBGRAPHS, type Role } from "@concord/schema";
import { seedDemoPortfolio } from "@concord/loans";
import { getNamedType, isObjectType, type GraphQLSchema } from "graphql";
import { startFederation, type Federation } from "../support/federation";

/**
 * The access matrix, generated from the policies declared next to the fields: for every
 * (caller, relationship, field) it asks through the gateway and checks the field comes back as
 * declared — visible, masked, or null with FORBIDDEN on its path (NOT_FOUND, as for an id
 * nothing has, when the way in is a root object the caller may not know of). Then every list,
 * nested as deep as a client may ask, shows no id of an object the caller may not see.
 */

let fed: Federation;
let schemas: GraphQLSchema[];
const clock = new FixedClock(new Date("2026-11-25T11:00:00Z")); // 11:00 in London
const ids = {} as Record<
  "lender1" | "lender2" | "case1" | "loan1" | "borrower1" | "borrower2" | "agencyActive" | "agencyEnded" | "agencyNone" | "placement1"
    | "case3" | "borrower3" | "loan2" | "case2" | "case0" | "placementEnded" | "activity1",
  string
>;

interface Caller {
  name: string;
  role: Role;
  claims: Record<string, string>;
  /** The relations this caller has to case1 and everything of it. */
  relations: Relation[];
  /** Root types whose object of case1 the caller knows exists though it may not see it now. */
  knows?: string[];
}
let callers: Caller[];

/** A placement event as the agencies subgraph would emit it, of case3 (which nothing else places). */
async function publishPlacement(type: "PlacementStarted" | "PlacementEnded", placementId: string, agencyId: string) {
  const at = clock.now();
  const caseId = ids.case3;
  const payload =
    type === "PlacementStarted"
      ? { placementId, caseId, agencyId, placedAt: at.toISOString(), expiresAt: new Date(at.getTime() + 30 * 86_400_000).toISOString() }
      : { placementId, caseId, agencyId, status: "RECALLED", endedAt: at.toISOString() };
  const e = newEvent({ type, aggregateType: "Placement", aggregateId: placementId, lenderId: ids.lender1, payload }, at);
  await fed.bus.publish([{ id: e.id, subject: subjectOf(e), data: JSON.stringify(e) }]);
}

async function waitForAccess(agencyId: string, active: boolean) {
  for (let i = 0; i < 200; i++) {
    const rows = await fed.loans.ds.query("SELECT (ended_at IS NULL) AS active FROM case_directory_placement WHERE agency_id = $1", [agencyId]);
    if (rows.length && rows.every((r: any) => r.active === active)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error("placement event not applied");
}

beforeAll(async () => {
  fed = await startFederation({ clock });
  schemas = await Promise.all(SUBGRAPHS.map(async (entry) => asSubgraphModule(entry, await import(entry.package)).buildSchema()));
  await seedDemoPortfolio(fed.loans.ds, { asOf: "2026-11-25", borrowers: 60 }, clock);
  const [l1, l2] = await fed.loans.ds.query("SELECT id FROM lender ORDER BY name");
  ids.lender1 = l1.id;
  ids.lender2 = l2.id;
  // A case of lender 1 whose loan has payments and whose borrower has an e-mail.
  const [c1] = await fed.loans.ds.query(
    `SELECT c.id, c.loan_id, c.borrower_id FROM collection_case c
      WHERE c.lender_id = $1 AND c.status = 'OPEN' AND EXISTS (SELECT 1 FROM payment p WHERE p.loan_id = c.loan_id)
      ORDER BY c.id LIMIT 1`,
    [ids.lender1],
  );
  Object.assign(ids, { case1: c1.id, loan1: c1.loan_id, borrower1: c1.borrower_id });
  [{ id: ids.borrower2 }] = await fed.loans.ds.query("SELECT id FROM borrower WHERE lender_id = $1 LIMIT 1", [ids.lender2]);
  // Another open case of lender 1, of another borrower, for the tests that place and end by event.
  const [c3] = await fed.loans.ds.query(
    "SELECT id, borrower_id FROM collection_case WHERE lender_id = $1 AND status = 'OPEN' AND borrower_id <> $2 ORDER BY id LIMIT 1",
    [ids.lender1, ids.borrower1],
  );
  Object.assign(ids, { case3: c3.id, borrower3: c3.borrower_id });
  // Borrower 1 has a second loan, overdue, whose case no agency holds, and loan 1 an older case,
  // resolved: ids the agency holding case 1 must never see in a list.
  const [{ currency }] = await fed.loans.ds.query("SELECT currency FROM loan WHERE id = $1", [ids.loan1]);
  ids.loan2 = uuidv7();
  await fed.loans.ds.query(
    `INSERT INTO loan (id, lender_id, borrower_id, reference, principal_minor, currency, annual_rate_bps, term_months, originated_on, status)
     VALUES ($1, $2, $3, 'SECOND-LOAN', 120000, $4, 1200, 12, '2026-06-01', 'ACTIVE')`,
    [ids.loan2, ids.lender1, ids.borrower1, currency],
  );
  for (let i = 1; i <= 12; i++) {
    await fed.loans.ds.query("INSERT INTO installment (id, loan_id, seq, due_date, amount_due_minor, amount_paid_minor) VALUES ($1, $2, $3, $4, 10000, 0)", [
      uuidv7(), ids.loan2, i, `${i <= 6 ? 2026 : 2027}-${String(((5 + i) % 12) + 1).padStart(2, "0")}-01`,
    ]);
  }
  ids.case0 = uuidv7();
  await fed.loans.ds.query(
    `INSERT INTO collection_case (id, lender_id, loan_id, borrower_id, status, days_past_due, bucket, amount_overdue_minor, outstanding_balance_minor,
       currency, oldest_unpaid_due_date, as_of, opened_at, resolved_at, updated_at)
     VALUES ($1, $2, $3, $4, 'RESOLVED', 0, NULL, 0, 0, $5, NULL, '2026-03-01', '2026-02-01T00:00:00Z', '2026-03-01T00:00:00Z', '2026-03-01T00:00:00Z')`,
    [ids.case0, ids.lender1, ids.loan1, ids.borrower1, currency],
  );
  const refreshed = await fed.query(`mutation { refreshDelinquency(asOf: "2026-11-25") { casesOpened } }`, {}, await fed.token({ role: "lender", lender_id: ids.lender1 }));
  expect(refreshed.data.refreshDelinquency.casesOpened).toBe(1);
  [{ id: ids.case2 }] = await fed.loans.ds.query("SELECT id FROM collection_case WHERE loan_id = $1", [ids.loan2]);
  // Real placements through the agencies subgraph, which knows the case from loans' events.
  for (let i = 0; i < 300 && !(await fed.agencies.ds.query("SELECT 1 FROM case_directory WHERE case_id = $1", [ids.case1])).length; i++) {
    await new Promise((r) => setTimeout(r, 100));
  }
  for (const key of ["agencyActive", "agencyEnded", "agencyNone"] as const) {
    ids[key] = uuidv7();
    await fed.agencies.ds.query(
      `INSERT INTO agency (id, name, licence_number, licence_review_due, regions, capacity, channels, status)
       VALUES ($1, $2, $3, '2027-12-31', '{London}', 10, '{CALL}', 'ACTIVE')`,
      [ids[key], `Agency ${key}`, `LIC-${ids[key].slice(-10)}`],
    );
  }
  const lenderToken = await fed.token({ role: "lender", lender_id: ids.lender1 });
  const place = async (agencyId: string) =>
    (await fed.query(`mutation($i: PlaceCaseInput!) { placeCase(input: $i) { id } }`, {
      i: { caseId: ids.case1, agencyId, expiresAt: "2027-03-01T00:00:00Z", commissionBps: 1000, maxDiscountBps: 500, maxInstalments: 6 },
    }, lenderToken)).data.placeCase.id as string;
  const ended = await place(ids.agencyEnded);
  ids.placementEnded = ended;
  await fed.query(`mutation($id: ID!) { recallPlacement(placementId: $id, reason: "test") { id } }`, { id: ended }, lenderToken);
  ids.placement1 = await place(ids.agencyActive);
  await waitForAccess(ids.agencyActive, true);
  await waitForAccess(ids.agencyEnded, false);
  // An activity the holding agency reported on case 1, at 03:00 the borrower's time: outside
  // contact hours (and before its placement began), so it carries violations too.
  for (let i = 0; i < 300 && !(await fed.subgraphs.outreach!.ds.query("SELECT 1 FROM case_directory_placement WHERE placement_id = $1", [ids.placement1])).length; i++) {
    await new Promise((r) => setTimeout(r, 100));
  }
  const [{ timezone }] = await fed.loans.ds.query("SELECT timezone FROM borrower WHERE id = $1", [ids.borrower1]);
  let night = new Date(clock.now().getTime() - 3_600_000);
  while (localHour(night, timezone) !== 3) night = new Date(night.getTime() - 3_600_000);
  const reported = await fed.query(
    `mutation($i: ReportActivityInput!) { reportActivity(input: $i) { activity { id } violations { id } } }`,
    { i: { idempotencyKey: "matrix-1", caseId: ids.case1, channel: "CALL", direction: "OUTBOUND", outcome: "NO_ANSWER", occurredAt: night.toISOString(), agentId: uuidv7(), notes: "Rang out", recordingReference: "rec-1", durationSeconds: 30 } },
    await fed.token({ role: "agency", agency_id: ids.agencyActive }),
  );
  expect(reported.data.reportActivity.violations.length).toBeGreaterThan(0);
  ids.activity1 = reported.data.reportActivity.activity.id;
  // A complaint borrower 1 filed about case 1, with a response from lender 1.
  const filed = await fed.query(
    `mutation($id: ID!) { fileComplaint(caseId: $id, category: CONDUCT, description: "Called at 3am") { id } }`,
    { id: ids.case1 },
    await fed.token({ role: "borrower", borrower_id: ids.borrower1 }),
  );
  expect(filed.errors).toBeUndefined();
  const answered = await fed.query(
    `mutation($id: ID!) { respondToComplaint(complaintId: $id, response: "We are looking into it", final: false) { id } }`,
    { id: filed.data.fileComplaint.id },
    lenderToken,
  );
  expect(answered.errors).toBeUndefined();
  callers = [
    { name: "its lender", role: "lender", claims: { lender_id: ids.lender1 }, relations: ["ownLender"] },
    { name: "another lender", role: "lender", claims: { lender_id: ids.lender2 }, relations: [] },
    { name: "its borrower", role: "borrower", claims: { borrower_id: ids.borrower1 }, relations: ["self"] },
    { name: "another borrower", role: "borrower", claims: { borrower_id: ids.borrower2 }, relations: [] },
    { name: "the agency holding it", role: "agency", claims: { agency_id: ids.agencyActive }, relations: ["activePlacement", "ownAgency"] },
    {
      name: "an agency whose placement ended", role: "agency", claims: { agency_id: ids.agencyEnded }, relations: [], knows: ["CollectionCase", "Loan", "Borrower"],
    },
    { name: "an agency that never held it", role: "agency", claims: { agency_id: ids.agencyNone }, relations: [] },
    { name: "an auditor", role: "auditor", claims: {}, relations: [] },
  ];
});
afterAll(async () => fed?.stop());

type Outcome = "visible" | "masked" | "forbidden";
/** A gate; `root` names the type of a root query's object fetched by id. */
type Gate = { policy: string; path: string[]; root?: string };

function expected(policy: string, caller: Caller): Outcome {
  const def = declaredFieldPolicies().find((f) => f.policy === policy)!.definition;
  const rule = def.rules[caller.role];
  if (rule.see === "never") return "forbidden";
  if (rule.when !== "anyone" && !caller.relations.includes(rule.when)) return "forbidden";
  return rule.see === "masked" ? "masked" : "visible";
}

/**
 * How a refused gate answers: a root object the caller may not know of is NOT_FOUND, exactly as
 * an id nothing has; a role never shown the type, or an object the caller knows of, FORBIDDEN.
 */
function refusalCode(gate: Gate, caller: Caller): "FORBIDDEN" | "NOT_FOUND" {
  if (!gate.root) return "FORBIDDEN";
  const rule = declaredFieldPolicies().find((f) => f.policy === gate.policy)!.definition.rules[caller.role];
  return rule.see === "never" || caller.knows?.includes(gate.root) ? "FORBIDDEN" : "NOT_FOUND";
}

/** How to reach each type for case1, and the policy guarding the way in. */
const CASE1: Gate = { policy: "caseStatus", path: ["collectionCase"], root: "CollectionCase" };
const LOAN1: Gate = { policy: "caseStatus", path: ["loan"], root: "Loan" };
const AGENCY: Gate = { policy: "agencyProfile", path: ["agency"], root: "Agency" };
const ACTIVITIES: Gate = { policy: "caseActivities", path: ["collectionCase", "activities"] };
const COMPLAINTS: Gate = { policy: "caseComplaints", path: ["collectionCase", "complaints"] };
const DECISION: Gate = { policy: "contactDecision", path: ["collectionCase", "contactPolicy"] };
/** Arguments a field needs to be asked for at all. */
const ARGS: Record<string, string> = { "CollectionCase.contactPolicy": "(channel: SMS)" };
const ROUTES: Record<string, { wrap: (inner: string) => string; path: string[]; gates: Gate[] }> = {
  CollectionCase: { wrap: (f) => `collectionCase(id: "$case1") { ${f} }`, path: ["collectionCase"], gates: [CASE1] },
  Loan: { wrap: (f) => `loan(id: "$loan1") { ${f} }`, path: ["loan"], gates: [LOAN1] },
  Borrower: { wrap: (f) => `borrower(id: "$borrower1") { ${f} }`, path: ["borrower"], gates: [{ policy: "borrowerProfile", path: ["borrower"], root: "Borrower" }] },
  Installment: {
    wrap: (f) => `loan(id: "$loan1") { installments { ${f} } }`,
    path: ["loan", "installments", "0"],
    gates: [LOAN1, { policy: "portfolioFigures", path: ["loan", "installments"] }],
  },
  Payment: {
    wrap: (f) => `loan(id: "$loan1") { payments { ${f} } }`,
    path: ["loan", "payments", "0"],
    gates: [LOAN1, { policy: "portfolioFigures", path: ["loan", "payments"] }],
  },
  CaseEvent: {
    wrap: (f) => `collectionCase(id: "$case1") { history { ${f} } }`,
    path: ["collectionCase", "history", "0"],
    gates: [CASE1, { policy: "historyOutline", path: ["collectionCase", "history"] }],
  },
  Lender: {
    wrap: (f) => `collectionCase(id: "$case1") { lender { ${f} } }`,
    path: ["collectionCase", "lender"],
    gates: [CASE1, { policy: "caseStatus", path: ["collectionCase", "lender"] }],
  },
  Money: {
    wrap: (f) => `collectionCase(id: "$case1") { amountOverdue { ${f} } }`,
    path: ["collectionCase", "amountOverdue"],
    gates: [CASE1, { policy: "portfolioFigures", path: ["collectionCase", "amountOverdue"] }],
  },
  Placement: { wrap: (f) => `placement(id: "$placement1") { ${f} }`, path: ["placement"], gates: [{ policy: "placementTerms", path: ["placement"], root: "Placement" }] },
  Agency: { wrap: (f) => `agency(id: "$agencyActive") { ${f} }`, path: ["agency"], gates: [AGENCY] },
  Agent: {
    wrap: (f) => `agency(id: "$agencyActive") { agents { ${f} } }`,
    path: ["agency", "agents", "0"],
    gates: [AGENCY, { policy: "agencyInternals", path: ["agency", "agents"] }],
  },
  Activity: {
    wrap: (f) => `collectionCase(id: "$case1") { activities { edges { node { ${f} } } } }`,
    path: ["collectionCase", "activities", "edges", "0", "node"],
    gates: [CASE1, ACTIVITIES],
  },
  ComplianceViolation: {
    wrap: (f) => `collectionCase(id: "$case1") { activities { edges { node { violations { ${f} } } } } }`,
    path: ["collectionCase", "activities", "edges", "0", "node", "violations", "0"],
    gates: [CASE1, ACTIVITIES, { policy: "activityRecord", path: ["collectionCase", "activities", "edges", "0", "node", "violations"] }],
  },
  ContactDecision: { wrap: (f) => `collectionCase(id: "$case1") { contactPolicy(channel: SMS) { ${f} } }`, path: ["collectionCase", "contactPolicy"], gates: [CASE1, DECISION] },
  ContactCounters: {
    wrap: (f) => `collectionCase(id: "$case1") { contactPolicy(channel: SMS) { counters { ${f} } } }`,
    path: ["collectionCase", "contactPolicy", "counters"],
    gates: [CASE1, DECISION, { policy: "contactDecision", path: ["collectionCase", "contactPolicy", "counters"] }],
  },
  ContactProfile: {
    wrap: (f) => `collectionCase(id: "$case1") { contactPolicy(channel: SMS) { profile { ${f} } } }`,
    path: ["collectionCase", "contactPolicy", "profile"],
    gates: [CASE1, DECISION, { policy: "contactDecision", path: ["collectionCase", "contactPolicy", "profile"] }],
  },
  Complaint: {
    wrap: (f) => `collectionCase(id: "$case1") { complaints { ${f} } }`,
    path: ["collectionCase", "complaints", "0"],
    gates: [CASE1, COMPLAINTS],
  },
  ComplaintResponse: {
    wrap: (f) => `collectionCase(id: "$case1") { complaints { responses { ${f} } } }`,
    path: ["collectionCase", "complaints", "0", "responses", "0"],
    gates: [CASE1, COMPLAINTS, { policy: "complaintDetail", path: ["collectionCase", "complaints", "0", "responses"] }],
  },
  AuditEntry: {
    wrap: (f) => `auditEntries(first: 1) { entries { ${f} } }`,
    path: ["auditEntries", "entries", "0"],
    gates: [{ policy: "auditTrail", path: ["auditEntries"] }],
  },
};

function selection(type: string, field: string): string {
  const def = schemas
    .map((sch) => sch.getType(type))
    .map((t) => (t && isObjectType(t) ? t.getFields()[field] : undefined))
    .find(Boolean);
  if (!def) throw new Error(`${type}.${field}`);
  return `${field}${ARGS[`${type}.${field}`] ?? ""}${subSelection(getNamedType(def.type))}`;
}

/** The smallest valid selection under a field of this type: its id, a scalar, or a nested one. */
function subSelection(t: ReturnType<typeof getNamedType>): string {
  if (!isObjectType(t)) return "";
  const fields = t.getFields();
  if (fields.id) return " { id }";
  const scalar = Object.values(fields).find((f) => !isObjectType(getNamedType(f.type)));
  if (scalar) return ` { ${scalar.name} }`;
  const first = Object.values(fields)[0]!;
  return ` { ${first.name}${subSelection(getNamedType(first.type))} }`;
}

const at = (data: any, path: string[]) => path.reduce((v, k) => (v == null ? v : v[k]), data);
const samePath = (a: Array<string | number> | undefined, b: string[]) => !!a && a.map(String).join(".") === b.join(".");

describe("the access matrix", () => {
  it("gives every caller exactly what the declared policy says, for every field", async () => {
    const rows = declaredFieldPolicies().filter((f) => ROUTES[f.type]);
    expect(rows.length).toBeGreaterThan(50);
    const failures: string[] = [];
    for (const caller of callers) {
      const token = await fed.token({ role: caller.role, ...caller.claims });
      for (const { type, field, policy } of rows) {
        const route = ROUTES[type]!;
        const query = `{ ${route.wrap(selection(type, field)).replace(/\$(\w+)/g, (_, k) => ids[k as keyof typeof ids])} }`;
        const r = await fed.query(query, {}, token);
        const gate = route.gates.find((g) => expected(g.policy, caller) === "forbidden");
        const want: Outcome = gate ? "forbidden" : expected(policy, caller);
        const wantPath = gate ? gate.path : [...route.path, field];
        const wantCode = gate ? refusalCode(gate, caller) : "FORBIDDEN";
        const label = `${caller.name}: ${type}.${field} (${policy}) should be ${want === "forbidden" ? wantCode : want}`;
        const errs = r.errors ?? [];
        if (want === "forbidden") {
          const hit = errs.find((e) => e.extensions?.code === wantCode && samePath(e.path, wantPath));
          if (!hit || at(r.data, wantPath) != null) failures.push(`${label} at ${wantPath.join(".")}; got ${JSON.stringify(r).slice(0, 300)}`);
        } else {
          if (errs.length) failures.push(`${label}; got errors ${JSON.stringify(errs).slice(0, 300)}`);
          const v = at(r.data, [...route.path, field]);
          // Masked: at most six of the digits (or the first letter and domain of an address) show.
          const shown = typeof v === "string" ? v.replace(/\D/g, "").length : Infinity;
          if (want === "masked" && !(typeof v === "string" && v.includes("****") && (v.includes("@") || shown <= 6))) {
            failures.push(`${label}; got ${JSON.stringify(v)}`);
          }
          if (want === "visible" && typeof v === "string" && v.includes("****")) failures.push(`${label}; got a masked value`);
        }
      }
    }
    expect(failures).toEqual([]);
  }, 120_000);
});

describe("home visits", () => {
  it("shows an agency the address only inside an approved visit's window, while it holds the case", async () => {
    const agency = uuidv7();
    const placement = uuidv7();
    const visit = uuidv7();
    const token = await fed.token({ role: "agency", agency_id: agency });
    const q = `{ borrower(id: "${ids.borrower3}") { address } }`;
    await publishPlacement("PlacementStarted", placement, agency);
    await waitForAccess(agency, true);
    expect((await fed.query(q, {}, token)).errors?.[0]?.extensions?.code).toBe("FORBIDDEN");

    const now = clock.now().getTime();
    const approved = newEvent(
      {
        type: "HomeVisitApproved", aggregateType: "HomeVisitRequest", aggregateId: visit, lenderId: ids.lender1,
        payload: { visitId: visit, caseId: ids.case3, agencyId: agency, windowStart: new Date(now - 3_600_000).toISOString(), windowEnd: new Date(now + 3_600_000).toISOString() },
      },
      clock.now(),
    );
    await fed.bus.publish([{ id: approved.id, subject: subjectOf(approved), data: JSON.stringify(approved) }]);
    for (let i = 0; i < 200 && !(await fed.loans.ds.query("SELECT 1 FROM case_directory_visit WHERE visit_id = $1 AND window_start IS NOT NULL", [visit])).length; i++) {
      await new Promise((r) => setTimeout(r, 50));
    }
    const inside = await fed.query(q, {}, token);
    expect(inside.errors).toBeUndefined();
    expect(inside.data.borrower.address).toBeTruthy();

    clock.set(new Date(now + 2 * 3_600_000));
    expect((await fed.query(q, {}, token)).errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
    clock.set(new Date(now));

    await publishPlacement("PlacementEnded", placement, agency);
    await waitForAccess(agency, false);
    const ended = await fed.query(q, {}, token);
    expect(ended.data.borrower).toBeNull();
    expect(ended.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
  });
});

describe("lists and relationships", () => {
  const LIST = `{ collectionCases(first: 500) { totalCount edges { node { id } } } }`;
  const listAs = async (claims: Record<string, string>, role: Role) =>
    (await fed.query(LIST, {}, await fed.token({ role, ...claims }))).data.collectionCases;

  it("lists only what each caller may see", async () => {
    const own = await listAs({ lender_id: ids.lender1 }, "lender");
    const [{ n }] = await fed.loans.ds.query("SELECT count(*)::int AS n FROM collection_case WHERE lender_id = $1", [ids.lender1]);
    expect(own.totalCount).toBe(n);
    const other = await listAs({ lender_id: ids.lender2 }, "lender");
    expect(other.edges.map((e: any) => e.node.id)).not.toContain(ids.case1);
    const borrower = await listAs({ borrower_id: ids.borrower1 }, "borrower");
    expect(borrower.edges.map((e: any) => e.node.id)).toEqual([ids.case0, ids.case1, ids.case2].sort());
    expect((await listAs({ agency_id: ids.agencyActive }, "agency")).edges.map((e: any) => e.node.id)).toEqual([ids.case1]);
    expect((await listAs({ agency_id: ids.agencyEnded }, "agency")).totalCount).toBe(0);
  });

  it("does not let an auditor learn per-case figures by filtering on them", async () => {
    const auditor = await fed.token({ role: "auditor" });
    const byStatus = await fed.query(`{ collectionCases(filter: { status: OPEN }) { totalCount } }`, {}, auditor);
    expect(byStatus.errors).toBeUndefined();
    for (const filter of ["bucket: DPD_31_60", "minDaysPastDue: 30", "maxDaysPastDue: 60"]) {
      const r = await fed.query(`{ collectionCases(filter: { ${filter} }) { totalCount } }`, {}, auditor);
      expect(r.errors?.map((e) => e.extensions?.code), filter).toEqual(["FORBIDDEN"]);
    }
  });

  it("takes a case from an agency the moment its placement ends", async () => {
    const agency = uuidv7();
    const placement = uuidv7();
    const token = await fed.token({ role: "agency", agency_id: agency });
    const q = `{ collectionCase(id: "${ids.case3}") { id daysPastDue borrower { fullName phone } } }`;
    await publishPlacement("PlacementStarted", placement, agency);
    await waitForAccess(agency, true);
    const during = await fed.query(q, {}, token);
    expect(during.errors).toBeUndefined();
    expect(during.data.collectionCase.borrower.phone).toMatch(/\*\*\*\*/);
    await publishPlacement("PlacementEnded", placement, agency);
    await waitForAccess(agency, false);
    const after = await fed.query(q, {}, token);
    expect(after.data.collectionCase).toBeNull();
    expect(after.errors?.map((e) => e.extensions?.code)).toEqual(["FORBIDDEN"]);
  });
});

describe("nested lists", () => {
  it("each declare which rows each caller gets (Rows), in every subgraph", () => {
    expect(schemas.flatMap((s) => listsWithoutRowRule(s))).toEqual([]);
  });

  /** Everything of case1 a client can reach, every list of it, as deep as the limits allow. */
  const TREE = `{
    c: collectionCase(id: "$case1") { __typename id
      loan { __typename id collectionCase { __typename id } collectionCases { __typename id }
        borrower { __typename id loans { __typename id collectionCases { __typename id } collectionCase { __typename id } } } }
      borrower { __typename id loans { __typename id collectionCases { __typename id placements { __typename id } } } }
      placements { __typename id agency { __typename id } } activePlacement { __typename id } history { id }
      activities { edges { node { __typename id collectionCase { __typename id } } } } }
    l: loan(id: "$loan1") { __typename id collectionCases { __typename id activePlacement { __typename id } } installments { id } payments { id loan { __typename id } } }
    b: borrower(id: "$borrower1") { __typename id loans { __typename id collectionCase { __typename id } collectionCases { __typename id
      activities { edges { node { __typename id } } } } } }
    a: activity(id: "$activity1") { __typename id collectionCase { __typename id } }
    l2: loan(id: "$loan2") { __typename id collectionCases { __typename id } }
    c2: collectionCase(id: "$case2") { __typename id }
    p: placement(id: "$placement1") { __typename id collectionCase { __typename id } agency { __typename id agents { id }
      placements(first: 50) { edges { node { __typename id collectionCase { __typename id } } } } } }
    pe: placement(id: "$placementEnded") { __typename id collectionCase { __typename id } }
    all: collectionCases(first: 500) { edges { node { __typename id loan { __typename id borrower { __typename id loans { __typename id } } } } } }
    agencies { __typename id placements(first: 50) { edges { node { __typename id collectionCase { __typename id } } } } }
  }`;

  type Seen = Record<string, Set<string>>;
  /** Every (type, id) in a response, by the __typename each object carries. */
  function seen(data: unknown, into: Seen = {}): Seen {
    if (Array.isArray(data)) for (const v of data) seen(v, into);
    else if (data && typeof data === "object") {
      const o = data as Record<string, unknown>;
      if (typeof o.__typename === "string" && typeof o.id === "string") (into[o.__typename] ??= new Set()).add(o.id);
      for (const v of Object.values(o)) seen(v, into);
    }
    return into;
  }

  const column = async (ds: Federation["loans"]["ds"], sql: string, params: unknown[]) => new Set<string>((await ds.query(sql, params)).map((r: any) => r.id));
  const all = async (sql: string) => column(fed.agencies.ds, sql, []);

  /**
   * What each kind of caller may see: its own portfolio, itself, or what it holds now (and, of
   * its own placements, the case's id, which it was given when the case was placed).
   */
  async function mayKnow(caller: Caller): Promise<Seen> {
    const { lender_id: lender, borrower_id: borrower, agency_id: agency } = caller.claims;
    const loans = fed.loans.ds;
    const activities = (column_: string, values: unknown[]) =>
      column(fed.subgraphs.outreach!.ds, `SELECT id FROM activity WHERE ${column_} = ANY($1::uuid[])`, [values]);
    switch (caller.role) {
      case "lender":
        return {
          CollectionCase: await column(loans, "SELECT id FROM collection_case WHERE lender_id = $1", [lender]),
          Loan: await column(loans, "SELECT id FROM loan WHERE lender_id = $1", [lender]),
          Borrower: await column(loans, "SELECT id FROM borrower WHERE lender_id = $1", [lender]),
          Placement: await column(fed.agencies.ds, "SELECT id FROM placement WHERE lender_id = $1", [lender]),
          Agency: await all("SELECT id FROM agency"),
          Activity: await activities("lender_id", [lender]),
        };
      case "borrower":
        return {
          CollectionCase: await column(loans, "SELECT id FROM collection_case WHERE borrower_id = $1", [borrower]),
          Loan: await column(loans, "SELECT id FROM loan WHERE borrower_id = $1", [borrower]),
          Borrower: new Set([borrower!]),
          Activity: await activities("borrower_id", [borrower]),
        };
      case "agency": {
        const held = await column(
          loans,
          `SELECT c.id FROM collection_case c JOIN case_directory_placement p ON p.case_id = c.id
            WHERE p.agency_id = $1 AND p.ended_at IS NULL AND p.expires_at > $2 AND c.status NOT IN ('RESOLVED', 'WRITTEN_OFF')`,
          [agency, clock.now()],
        );
        const placed = await column(fed.agencies.ds, "SELECT case_id AS id FROM placement WHERE agency_id = $1", [agency]);
        return {
          CollectionCase: new Set([...held, ...placed]),
          Loan: await column(loans, "SELECT loan_id AS id FROM collection_case WHERE id = ANY($1::uuid[])", [[...held]]),
          Borrower: await column(loans, "SELECT borrower_id AS id FROM collection_case WHERE id = ANY($1::uuid[])", [[...held]]),
          Placement: await column(fed.agencies.ds, "SELECT id FROM placement WHERE agency_id = $1", [agency]),
          Agency: new Set([agency!]),
          Activity: await activities("case_id", [...held]),
        };
      }
      case "auditor":
        throw new Error("an auditor sees every case's status: nothing to narrow");
    }
  }

  it("show no caller the id of a loan, case, borrower, placement or agency it may not see", async () => {
    const failures: string[] = [];
    const got: Record<string, Seen> = {};
    for (const caller of callers.filter((c) => c.role !== "auditor")) {
      const r = await fed.query(TREE.replace(/\$(\w+)/g, (_, k) => ids[k as keyof typeof ids]), {}, await fed.token({ role: caller.role, ...caller.claims }));
      const codes = new Set((r.errors ?? []).map((e) => e.extensions?.code));
      for (const c of codes) if (c !== "FORBIDDEN" && c !== "NOT_FOUND") failures.push(`${caller.name}: unexpected ${c}: ${JSON.stringify(r.errors).slice(0, 300)}`);
      const allowed = await mayKnow(caller);
      got[caller.name] = seen(r.data);
      for (const [type, shown] of Object.entries(got[caller.name]!)) {
        for (const id of shown) if (!allowed[type]?.has(id)) failures.push(`${caller.name} was shown ${type} ${id}`);
      }
    }
    expect(failures).toEqual([]);
    // Not vacuous: each sees all of what is its own.
    const agency = got["the agency holding it"]!;
    expect(agency).toMatchObject({
      CollectionCase: new Set([ids.case1]), Loan: new Set([ids.loan1]), Borrower: new Set([ids.borrower1]), Placement: new Set([ids.placement1]), Activity: new Set([ids.activity1]),
    });
    const borrower = got["its borrower"]!;
    expect(borrower.CollectionCase).toEqual(new Set([ids.case0, ids.case1, ids.case2]));
    expect(borrower.Loan).toEqual(new Set([ids.loan1, ids.loan2]));
    expect(borrower.Activity).toEqual(new Set([ids.activity1]));
    const lender = got["its lender"]!;
    for (const id of [ids.case0, ids.case1, ids.case2]) expect(lender.CollectionCase).toContain(id);
    expect(lender.Placement).toContain(ids.placementEnded);
  });
});
