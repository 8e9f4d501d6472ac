import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getNamedType, isInputObjectType, isObjectType, type GraphQLInputType, type GraphQLSchema } from "graphql";
import { FixedClock, uuidv7 } from "@concord/service-kit";
import { buildLoansSchema, seedDemoPortfolio } from "@concord/loans";
import { buildAgenciesSchema } from "@concord/agencies";
import { codes, gql, until, type GqlResponse, type TokenClaims } from "@concord/test-kit";
import { startFederation, type Federation } from "../support/federation";

/**
 * No existence oracle: for every root field that takes an id, an id of someone else's object
 * and an id nothing has get the same answer (same code, same message but for the id, same
 * data), so no caller can confirm that an id exists. And errors sent to callers name no
 * internal service when the gateway is told so (as in production).
 */

let fed: Federation;
let schemas: GraphQLSchema[];
const clock = new FixedClock(new Date("2026-11-25T11:00:00Z")); // 11:00 in London, 19:00 in Shanghai
const ids = {} as Record<"case1" | "loan1" | "borrower1" | "lender1" | "lender2" | "borrower2" | "agencyA" | "agencyB" | "agentA" | "agentB" | "placement1" | "visit1", string>;

type CallerName = "another lender" | "another agency" | "another borrower" | "an auditor" | "the agency holding it";
const claims = (): Record<CallerName, TokenClaims> => ({
  "another lender": { role: "lender", lender_id: ids.lender2 },
  "another agency": { role: "agency", agency_id: ids.agencyB },
  "another borrower": { role: "borrower", borrower_id: ids.borrower2 },
  "an auditor": { role: "auditor" },
  "the agency holding it": { role: "agency", agency_id: ids.agencyA },
});

async function newAgency(): Promise<{ agencyId: string; agentId: string }> {
  const [agencyId, agentId] = [uuidv7(), uuidv7()];
  await fed.agencies.ds.query(
    `INSERT INTO agency (id, name, licence_number, licence_review_due, regions, capacity, channels, status)
     VALUES ($1, $2, $3, '2027-12-31', '{London}', 10, '{CALL,SMS,EMAIL,VISIT}', 'ACTIVE')`,
    [agencyId, `Agency ${agencyId.slice(-6)}`, `LIC-${agencyId.slice(-12)}`],
  );
  await fed.agencies.ds.query("INSERT INTO agent (id, agency_id, name, employee_number) VALUES ($1, $2, 'Agent', 'E-001')", [agentId, agencyId]);
  return { agencyId, agentId };
}

beforeAll(async () => {
  fed = await startFederation({ clock });
  schemas = [await buildLoansSchema(), await buildAgenciesSchema()];
  await seedDemoPortfolio(fed.loans.ds, { asOf: "2026-11-25", borrowers: 40 }, clock);
  const [c1] = await fed.loans.ds.query("SELECT id, loan_id, borrower_id, lender_id FROM collection_case WHERE status = 'OPEN' ORDER BY id LIMIT 1");
  Object.assign(ids, { case1: c1.id, loan1: c1.loan_id, borrower1: c1.borrower_id, lender1: c1.lender_id });
  [{ id: ids.lender2 }] = await fed.loans.ds.query("SELECT id FROM lender WHERE id <> $1", [ids.lender1]);
  [{ id: ids.borrower2 }] = await fed.loans.ds.query("SELECT id FROM borrower WHERE lender_id = $1 LIMIT 1", [ids.lender2]);
  await until(async () => (await fed.agencies.ds.query("SELECT 1 FROM case_directory WHERE case_id = $1", [ids.case1])).length === 1, "the case in agencies");
  ({ agencyId: ids.agencyA, agentId: ids.agentA } = await newAgency());
  ({ agencyId: ids.agencyB, agentId: ids.agentB } = await newAgency());
  const lender = await fed.token({ role: "lender", lender_id: ids.lender1 });
  const placed = await fed.query(
    `mutation($i: PlaceCaseInput!) { placeCase(input: $i) { id } }`,
    { i: { caseId: ids.case1, agencyId: ids.agencyA, expiresAt: "2027-03-01T00:00:00Z", commissionBps: 1000, maxDiscountBps: 500, maxInstalments: 6 } },
    lender,
  );
  ids.placement1 = placed.data.placeCase.id;
  await until(
    async () => (await fed.loans.ds.query("SELECT 1 FROM case_directory_placement WHERE placement_id = $1 AND expires_at IS NOT NULL", [ids.placement1])).length === 1,
    "the placement in loans",
  );
  const asked = await fed.query(`mutation($i: RequestHomeVisitInput!) { requestHomeVisit(input: $i) { id } }`, {
    i: { caseId: ids.case1, agentId: ids.agentA, reason: "No answer by phone", windowStart: "2026-11-26T10:00:00Z", windowEnd: "2026-11-26T12:00:00Z" },
  }, await fed.token({ role: "agency", agency_id: ids.agencyA }));
  ids.visit1 = asked.data.requestHomeVisit.id;
}, 120_000);
afterAll(async () => fed?.stop());

/** One way to ask for an object by id: who asks, the operation (`$id` the id), and the answer both get. */
interface Probe {
  as: CallerName;
  op: string;
  vars?: (id: string) => Record<string, unknown>;
  /** The id of an object that exists and is not the caller's. */
  foreign: () => string;
  /** The code both answers carry. @default "NOT_FOUND" */
  code?: string;
}
type Entry = Probe[] | { skip: string };

const byId = (id: string) => ({ id });
const terms = { expiresAt: "2027-03-01T00:00:00Z", commissionBps: 1000, maxDiscountBps: 500, maxInstalments: 6 };
const visitWindow = { reason: "No answer", windowStart: "2026-11-26T10:00:00Z", windowEnd: "2026-11-26T12:00:00Z" };
const everyone = (op: string, foreign: () => string, who: CallerName[]): Probe[] => who.map((as) => ({ as, op, foreign }));

/** Every root field that takes an id, by `Type.field(argument path)`: how it is probed, or why it need not be. */
const TABLE: Record<string, Entry> = {
  "Query.agency(id)": everyone(`query($id: ID!) { agency(id: $id) { id name } }`, () => ids.agencyA, ["another agency"]),
  "Query.placement(id)": everyone(`query($id: ID!) { placement(id: $id) { id status } }`, () => ids.placement1, ["another agency", "another lender"]),
  "Query.homeVisit(id)": everyone(`query($id: ID!) { homeVisit(id: $id) { id status } }`, () => ids.visit1, ["another agency", "another lender"]),
  "Query.collectionCase(id)": everyone(`query($id: ID!) { collectionCase(id: $id) { id status } }`, () => ids.case1, ["another agency", "another lender", "another borrower"]),
  "Query.loan(id)": everyone(`query($id: ID!) { loan(id: $id) { id reference } }`, () => ids.loan1, ["another agency", "another lender", "another borrower"]),
  "Query.borrower(id)": [
    ...everyone(`query($id: ID!) { borrower(id: $id) { id fullName } }`, () => ids.borrower1, ["another agency", "another lender", "another borrower"]),
    // An auditor never sees a borrower: refused, but the same for every id.
    { as: "an auditor", op: `query($id: ID!) { borrower(id: $id) { id } }`, foreign: () => ids.borrower1, code: "FORBIDDEN" },
  ],
  // A filter, not an object by id: a lender's own cases held by that agency (every agency is public to a lender,
  // and another lender's placements never show); every other role is refused the filter, whatever the id.
  "Query.collectionCases(filter.agencyId)": [
    { as: "another agency", op: `query($id: ID!) { collectionCases(filter: { agencyId: $id }) { totalCount } }`, foreign: () => ids.agencyA, code: "FORBIDDEN" },
  ],
  "Mutation.placeCase(input.caseId)": [
    { as: "another lender", op: `mutation($i: PlaceCaseInput!) { placeCase(input: $i) { id } }`, vars: (id) => ({ i: { ...terms, caseId: id, agencyId: ids.agencyA } }), foreign: () => ids.case1 },
  ],
  "Mutation.placeCase(input.agencyId)": { skip: "only lenders place cases, and every agency is public to a lender (Query.agencies lists them all)" },
  "Mutation.recallPlacement(placementId)": everyone(`mutation($id: ID!) { recallPlacement(placementId: $id, reason: "mine") { id } }`, () => ids.placement1, ["another lender"]),
  "Mutation.returnPlacement(placementId)": everyone(`mutation($id: ID!) { returnPlacement(placementId: $id, reason: "ours") { id } }`, () => ids.placement1, ["another agency"]),
  "Mutation.requestHomeVisit(input.caseId)": [
    {
      as: "another agency", op: `mutation($i: RequestHomeVisitInput!) { requestHomeVisit(input: $i) { id } }`,
      vars: (id) => ({ i: { ...visitWindow, caseId: id, agentId: ids.agentB } }), foreign: () => ids.case1,
    },
  ],
  "Mutation.requestHomeVisit(input.agentId)": [
    {
      as: "the agency holding it", op: `mutation($i: RequestHomeVisitInput!) { requestHomeVisit(input: $i) { id } }`,
      vars: (id) => ({ i: { ...visitWindow, caseId: ids.case1, agentId: id } }), foreign: () => ids.agentB, code: "BAD_USER_INPUT",
    },
  ],
  "Mutation.approveHomeVisit(visitId)": everyone(`mutation($id: ID!) { approveHomeVisit(visitId: $id) { id } }`, () => ids.visit1, ["another lender"]),
  "Mutation.rejectHomeVisit(visitId)": everyone(`mutation($id: ID!) { rejectHomeVisit(visitId: $id) { id } }`, () => ids.visit1, ["another lender"]),
  "Mutation.confirmHomeVisit(visitId)": everyone(`mutation($id: ID!) { confirmHomeVisit(visitId: $id) { id } }`, () => ids.visit1, ["another agency"]),
  "Mutation.completeHomeVisit(visitId)": everyone(
    `mutation($id: ID!) { completeHomeVisit(visitId: $id, report: "r", recordingReference: "rec") { id } }`, () => ids.visit1, ["another agency"],
  ),
  "Mutation.cancelHomeVisit(visitId)": everyone(`mutation($id: ID!) { cancelHomeVisit(visitId: $id) { id } }`, () => ids.visit1, ["another agency", "another lender"]),
  "Mutation.recordPayment(input.loanId)": [
    {
      as: "another lender", op: `mutation($i: RecordPaymentInput!) { recordPayment(input: $i) { replayed } }`,
      vars: (id) => ({ i: { loanId: id, amountMinor: 100, currency: "GBP", receivedAt: "2026-11-25T09:00:00Z", externalReference: `ORACLE-${id}` } }),
      foreign: () => ids.loan1,
    },
  ],
  "Mutation.revealContact(caseId)": everyone(`mutation($id: ID!) { revealContact(caseId: $id, channel: CALL) { value } }`, () => ids.case1, ["another agency"]),
  "Subscription.caseUpdated(caseId)": {
    skip: "opens alike for any case id and delivers nothing of a case the subscriber may not see: each event is resolved by collectionCase(id) with its rights",
  },
  "Subscription.myCaseUpdates(caseId)": { skip: "as caseUpdated: a borrower hears only of its own cases, whatever the id" },
};

/** `Type.field(path)` of every argument (or input field) of type ID on the root types. */
function rootIdArguments(): string[] {
  const out = new Set<string>();
  const walk = (prefix: string, t: GraphQLInputType, path: string, depth = 0) => {
    const named = getNamedType(t);
    if (named.name === "ID") out.add(`${prefix}(${path})`);
    else if (isInputObjectType(named) && depth < 3) for (const f of Object.values(named.getFields())) walk(prefix, f.type, `${path}.${f.name}`, depth + 1);
  };
  for (const schema of schemas) {
    for (const root of [schema.getQueryType(), schema.getMutationType(), schema.getSubscriptionType()]) {
      if (!root || !isObjectType(root)) continue;
      for (const field of Object.values(root.getFields())) {
        if (field.name.startsWith("_")) continue; // federation's own
        for (const arg of field.args) walk(`${root.name}.${field.name}`, arg.type, arg.name);
      }
    }
  }
  return [...out].sort();
}

/** The answer as a caller sees it, with `id` written as <id>. */
const shape = (r: GqlResponse, id: string) =>
  JSON.stringify({ data: r.data ?? null, errors: (r.errors ?? []).map((e) => ({ message: e.message, path: e.path, extensions: e.extensions })) }).replace(
    new RegExp(id, "gi"),
    "<id>",
  );

/** Rows that a refused write must not have added. */
const written = async () => ({
  placements: (await fed.agencies.ds.query("SELECT count(*)::int AS n FROM placement"))[0].n,
  visits: (await fed.agencies.ds.query("SELECT status, count(*)::int AS n FROM home_visit GROUP BY status ORDER BY status")),
  violations: (await fed.agencies.ds.query("SELECT count(*)::int AS n FROM visit_violation"))[0].n,
  agenciesOutbox: (await fed.agencies.ds.query("SELECT count(*)::int AS n FROM outbox"))[0].n,
  payments: (await fed.loans.ds.query("SELECT count(*)::int AS n FROM payment"))[0].n,
  loansOutbox: (await fed.loans.ds.query("SELECT count(*)::int AS n FROM outbox"))[0].n,
});

describe("an id the caller may not know", () => {
  it("is covered for every root field that takes one (a new field needs an entry)", () => {
    expect(Object.keys(TABLE).sort()).toEqual(rootIdArguments());
  });

  it("answers exactly as an id nothing has, for every root field, and writes nothing", async () => {
    const before = await written();
    const failures: string[] = [];
    for (const [key, entry] of Object.entries(TABLE)) {
      if (!Array.isArray(entry)) continue;
      for (const probe of entry) {
        const token = await fed.token(claims()[probe.as]);
        const [foreign, unknown] = [probe.foreign(), uuidv7()];
        const vars = probe.vars ?? byId;
        const a = await fed.query(probe.op, vars(foreign), token);
        const b = await fed.query(probe.op, vars(unknown), token);
        const label = `${key} as ${probe.as}`;
        if (JSON.stringify(codes(a)) !== JSON.stringify([probe.code ?? "NOT_FOUND"])) failures.push(`${label}: ${JSON.stringify(a).slice(0, 300)}`);
        if (shape(a, foreign) !== shape(b, unknown)) failures.push(`${label}: ${shape(a, foreign)} differs from ${shape(b, unknown)}`);
      }
    }
    expect(failures).toEqual([]);
    expect(await written()).toEqual(before);
  }, 120_000);

  it("is still the caller's own to see and act on when it is (the probes above are not refused for everyone)", async () => {
    const agency = await fed.token(claims()["the agency holding it"]);
    const r = await fed.query(`query($c: ID!, $p: ID!, $v: ID!) { collectionCase(id: $c) { id } placement(id: $p) { id } homeVisit(id: $v) { id } }`, {
      c: ids.case1, p: ids.placement1, v: ids.visit1,
    }, agency);
    expect(r.errors).toBeUndefined();
    expect(r.data).toEqual({ collectionCase: { id: ids.case1 }, placement: { id: ids.placement1 }, homeVisit: { id: ids.visit1 } });
  });
});

describe("errors sent to callers", () => {
  const QUERY = () => `{ collectionCase(id: "${uuidv7()}") { id } }`;
  const AGENCIES = () => `{ placement(id: "${uuidv7()}") { id } }`;

  it("name the subgraph that answered by default (outside production)", async () => {
    const r = await fed.query(QUERY(), {}, await fed.token(claims()["another lender"]));
    expect(r.errors?.[0]?.extensions).toMatchObject({ code: "NOT_FOUND", serviceName: "loans" });
  });

  it("name no internal service with serviceNamesInErrors off, as the gateway runs in production", async () => {
    const gateway = await fed.startGateway({ serviceNamesInErrors: false });
    const headers = { authorization: `Bearer ${await fed.token(claims()["another lender"])}` };
    for (const query of [QUERY(), AGENCIES(), `{ a: ${QUERY().slice(2, -2)} b: ${AGENCIES().slice(2, -2)} }`]) {
      const r = await gql(gateway.url, query, {}, headers);
      expect(codes(r).length).toBeGreaterThan(0);
      expect(new Set(codes(r))).toEqual(new Set(["NOT_FOUND"]));
      for (const e of r.errors ?? []) expect(e.extensions).not.toHaveProperty("serviceName");
      expect(JSON.stringify(r)).not.toMatch(/loans|agencies/);
    }
  });
});
