import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { declaredFieldPolicies, FixedClock, newEvent, subjectOf, uuidv7, type Relation } from "@concord/service-kit";
import type { Role } from "@concord/schema";
import { buildLoansSchema, seedDemoPortfolio } from "@concord/loans";
import { buildAgenciesSchema } from "@concord/agencies";
import { getNamedType, isObjectType, type GraphQLSchema } from "graphql";
import { startFederation, type Federation } from "../support/federation";

/**
 * The access matrix, generated from the policies declared next to the fields: for every
 * (caller, relationship, field) it asks through the gateway and checks the field comes back as
 * declared — visible, masked, or null with FORBIDDEN on its path.
 */

let fed: Federation;
let schemas: GraphQLSchema[];
const clock = new FixedClock(new Date("2026-11-25T11:00:00Z")); // 11:00 in London
const ids = {} as Record<
  "lender1" | "lender2" | "case1" | "loan1" | "borrower1" | "borrower2" | "agencyActive" | "agencyEnded" | "agencyNone" | "placement1"
    | "case3" | "borrower3",
  string
>;

interface Caller {
  name: string;
  role: Role;
  claims: Record<string, string>;
  /** The relations this caller has to case1 and everything of it. */
  relations: Relation[];
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
  schemas = [await buildLoansSchema(), await buildAgenciesSchema()];
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
  await fed.query(`mutation($id: ID!) { recallPlacement(placementId: $id, reason: "test") { id } }`, { id: ended }, lenderToken);
  ids.placement1 = await place(ids.agencyActive);
  await waitForAccess(ids.agencyActive, true);
  await waitForAccess(ids.agencyEnded, false);
  callers = [
    { name: "its lender", role: "lender", claims: { lender_id: ids.lender1 }, relations: ["ownLender"] },
    { name: "another lender", role: "lender", claims: { lender_id: ids.lender2 }, relations: [] },
    { name: "its borrower", role: "borrower", claims: { borrower_id: ids.borrower1 }, relations: ["self"] },
    { name: "another borrower", role: "borrower", claims: { borrower_id: ids.borrower2 }, relations: [] },
    { name: "the agency holding it", role: "agency", claims: { agency_id: ids.agencyActive }, relations: ["activePlacement", "ownAgency"] },
    { name: "an agency whose placement ended", role: "agency", claims: { agency_id: ids.agencyEnded }, relations: [] },
    { name: "an agency that never held it", role: "agency", claims: { agency_id: ids.agencyNone }, relations: [] },
    { name: "an auditor", role: "auditor", claims: {}, relations: [] },
  ];
});
afterAll(async () => fed?.stop());

type Outcome = "visible" | "masked" | "forbidden";

function expected(policy: string, caller: Caller): Outcome {
  const def = declaredFieldPolicies().find((f) => f.policy === policy)!.definition;
  const rule = def.rules[caller.role];
  if (rule.see === "never") return "forbidden";
  if (rule.when !== "anyone" && !caller.relations.includes(rule.when)) return "forbidden";
  return rule.see === "masked" ? "masked" : "visible";
}

/** How to reach each type for case1, and the policy guarding the way in. */
const ROUTES: Record<string, { wrap: (inner: string) => string; path: string[]; gates: Array<{ policy: string; path: string[] }> }> = {
  CollectionCase: { wrap: (f) => `collectionCase(id: "$case1") { ${f} }`, path: ["collectionCase"], gates: [{ policy: "caseStatus", path: ["collectionCase"] }] },
  Loan: { wrap: (f) => `loan(id: "$loan1") { ${f} }`, path: ["loan"], gates: [{ policy: "caseStatus", path: ["loan"] }] },
  Borrower: { wrap: (f) => `borrower(id: "$borrower1") { ${f} }`, path: ["borrower"], gates: [{ policy: "borrowerProfile", path: ["borrower"] }] },
  Installment: {
    wrap: (f) => `loan(id: "$loan1") { installments { ${f} } }`,
    path: ["loan", "installments", "0"],
    gates: [{ policy: "caseStatus", path: ["loan"] }, { policy: "portfolioFigures", path: ["loan", "installments"] }],
  },
  Payment: {
    wrap: (f) => `loan(id: "$loan1") { payments { ${f} } }`,
    path: ["loan", "payments", "0"],
    gates: [{ policy: "caseStatus", path: ["loan"] }, { policy: "portfolioFigures", path: ["loan", "payments"] }],
  },
  CaseEvent: {
    wrap: (f) => `collectionCase(id: "$case1") { history { ${f} } }`,
    path: ["collectionCase", "history", "0"],
    gates: [{ policy: "caseStatus", path: ["collectionCase"] }, { policy: "historyOutline", path: ["collectionCase", "history"] }],
  },
  Lender: {
    wrap: (f) => `collectionCase(id: "$case1") { lender { ${f} } }`,
    path: ["collectionCase", "lender"],
    gates: [{ policy: "caseStatus", path: ["collectionCase"] }, { policy: "caseStatus", path: ["collectionCase", "lender"] }],
  },
  Money: {
    wrap: (f) => `collectionCase(id: "$case1") { amountOverdue { ${f} } }`,
    path: ["collectionCase", "amountOverdue"],
    gates: [{ policy: "caseStatus", path: ["collectionCase"] }, { policy: "portfolioFigures", path: ["collectionCase", "amountOverdue"] }],
  },
  Placement: { wrap: (f) => `placement(id: "$placement1") { ${f} }`, path: ["placement"], gates: [{ policy: "placementTerms", path: ["placement"] }] },
  Agency: { wrap: (f) => `agency(id: "$agencyActive") { ${f} }`, path: ["agency"], gates: [{ policy: "agencyProfile", path: ["agency"] }] },
  Agent: {
    wrap: (f) => `agency(id: "$agencyActive") { agents { ${f} } }`,
    path: ["agency", "agents", "0"],
    gates: [{ policy: "agencyProfile", path: ["agency"] }, { policy: "agencyInternals", path: ["agency", "agents"] }],
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
  return `${field}${subSelection(getNamedType(def.type))}`;
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
        const label = `${caller.name}: ${type}.${field} (${policy}) should be ${want}`;
        const errs = r.errors ?? [];
        if (want === "forbidden") {
          const hit = errs.find((e) => e.extensions?.code === "FORBIDDEN" && samePath(e.path, wantPath));
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
    expect(borrower.edges.map((e: any) => e.node.id)).toEqual([ids.case1]);
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
