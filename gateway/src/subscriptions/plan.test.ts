import { buildSchema, parse, type GraphQLError } from "graphql";
import { describe, expect, it } from "vitest";
import { SUBSCRIPTIONS, type EventEnvelope } from "@concord/schema";
import { declarationProblems, ID_VARIABLE, planSubscription, type SubscriptionPlan } from "./plan";

const schema = buildSchema(`
  type Query { collectionCase(id: ID!): CollectionCase placement(id: ID!): Placement complianceViolation(id: ID!): ComplianceViolation }
  type ComplianceViolation { id: ID! rule: String }
  type ComplianceAlert { cursor: String! kind: String! occurredAt: String! caseId: ID! rule: String violation: ComplianceViolation }
  type CollectionCase { id: ID! status: String daysPastDue: Int borrower: Borrower }
  type Borrower { name: String phone: String }
  type Placement { id: ID! }
  enum CaseUpdateKind { OPENED UPDATED RESOLVED PAYMENT_RECORDED PLACEMENT_STARTED PLACEMENT_ENDED }
  input CaseUpdateFilter { kinds: [CaseUpdateKind!] buckets: [String!] }
  type CaseUpdate { cursor: String! kind: CaseUpdateKind! occurredAt: String! caseId: ID! case: CollectionCase }
  type PlacementReceived { cursor: String! occurredAt: String! placementId: ID! caseId: ID! placement: Placement }
  type Subscription {
    caseUpdated(caseId: ID, filter: CaseUpdateFilter, after: String): CaseUpdate!
    myCaseUpdates(caseId: ID, filter: CaseUpdateFilter, after: String): CaseUpdate!
    placementsReceived(after: String): PlacementReceived!
    complianceAlerts(after: String): ComplianceAlert!
  }
`);

const plan = (query: string, variables?: Record<string, unknown>, operationName?: string): SubscriptionPlan => {
  const p = planSubscription(schema, SUBSCRIPTIONS, parse(query), operationName, variables);
  if (Array.isArray(p)) throw new Error(p.map((e) => e.message).join("; "));
  return p;
};
const refusal = (query: string, variables?: Record<string, unknown>) => {
  const p = planSubscription(schema, SUBSCRIPTIONS, parse(query), undefined, variables);
  return Array.isArray(p) ? (p as GraphQLError[]).map((e) => e.extensions.code) : [];
};

const event: EventEnvelope = {
  id: "0190a8f0-0000-7000-8000-000000000001",
  type: "CaseUpdated",
  version: 1,
  aggregateType: "CollectionCase",
  aggregateId: "c1",
  lenderId: "0190a8f0-0000-7000-8000-0000000000aa",
  occurredAt: "2026-11-25T10:00:00.000Z",
  correlationId: null,
  causationId: null,
  payload: { caseId: "c1", borrowerId: "b1", bucket: "DPD_1_30" },
};

describe("planning a subscription", () => {
  it("resolves the payload's object with an ordinary query carrying the subscriber's selection", () => {
    const p = plan(
      `subscription Watch($withPhone: Boolean!, $unused: Int) {
        updates: caseUpdated(caseId: "c1", after: "7") { cursor c: case { id ...Who } kind }
      }
      fragment Who on CollectionCase { borrower { phone @include(if: $withPhone) } }`,
      { withPhone: true, unused: 3 },
    );
    expect(p.declaration.field).toBe("caseUpdated");
    expect(p.args).toEqual({ caseId: "c1", after: "7" });
    expect(p.query).toContain(`c: collectionCase(id: $${ID_VARIABLE})`);
    expect(p.query).toContain("fragment Who on CollectionCase");
    expect(p.query).toContain("$withPhone: Boolean!");
    expect(p.query).not.toContain("$unused");
    expect(p.variables).toEqual({ withPhone: true });
  });

  it("shapes the answer into the payload asked for, with the event's own fields and errors on the payload's paths", () => {
    const p = plan(`subscription { updates: caseUpdated { __typename kind cursor at: occurredAt c: case { id borrower { phone } } } }`);
    const shaped = p.shape(event, "42", {
      data: { c: { id: "c1", borrower: { phone: null } } },
      errors: [{ message: "You may not see Borrower.phone", path: ["c", "borrower", "phone"], extensions: { code: "FORBIDDEN" } }],
    });
    const d = shaped.outcome === "deliver" ? shaped.delivery : undefined;
    expect(d?.data).toEqual({
      updates: { __typename: "CaseUpdate", kind: "UPDATED", cursor: "42", at: "2026-11-25T10:00:00.000Z", c: { id: "c1", borrower: { phone: null } } },
    });
    expect(d?.errors?.map((err) => [err.path, err.extensions.code])).toEqual([[["updates", "c", "borrower", "phone"], "FORBIDDEN"]]);
  });

  it("delivers nothing when the subscriber may not see the event's object", () => {
    const p = plan(`subscription { caseUpdated { kind case { id } } }`);
    expect(p.shape(event, "1", { data: { case: null }, errors: [{ message: "no", path: ["case"], extensions: { code: "FORBIDDEN" } }] })).toEqual({ outcome: "hidden" });
    expect(p.shape(event, "1", { data: { case: null }, errors: [{ message: "gone", path: ["case"], extensions: { code: "NOT_FOUND" } }] })).toEqual({ outcome: "hidden" });
  });

  it("calls a resolution that did not work a failure, never a delivery nor a silent skip", () => {
    const p = plan(`subscription { caseUpdated { kind case { id } } }`);
    const failed = (r: Parameters<SubscriptionPlan["shape"]>[2]) => p.shape(event, "1", r).outcome;
    // The whole operation refused (no data at all): nothing about the object is known.
    expect(failed({ errors: [{ message: "limit", extensions: { code: "OPERATION_LIMIT_EXCEEDED" } }] })).toBe("failed");
    expect(failed({ data: null, errors: [{ message: "down", extensions: { code: "INTERNAL_SERVER_ERROR" } }] })).toBe("failed");
    // The object null for a reason other than access: a subgraph down, say.
    expect(failed({ data: { case: null }, errors: [{ message: "down", path: ["case"], extensions: { code: "INTERNAL_SERVER_ERROR" } }] })).toBe("failed");
    // An error that is not about the object.
    expect(failed({ data: { case: { id: "c1" } }, errors: [{ message: "odd", extensions: { code: "INTERNAL_SERVER_ERROR" } }] })).toBe("failed");
  });

  it("does not take inherited properties for the object (an alias named like one)", () => {
    const p = plan(`subscription { caseUpdated { cursor constructor: case { id } } }`);
    expect(p.shape(event, "1", { data: Object.create({ constructor: {} }) }).outcome).toBe("failed");
    expect(p.shape(event, "1", { errors: [{ message: "refused", extensions: { code: "OPERATION_LIMIT_EXCEEDED" } }] }).outcome).toBe("failed");
  });

  it("asks for the object even when only the event's own fields are selected, since only that says whether it may be seen", () => {
    const p = plan(`subscription { caseUpdated { cursor } }`);
    expect(p.query).toContain("collectionCase(id:");
    expect(p.shape(event, "5", { data: { concordAccess: null }, errors: [{ message: "no", path: ["concordAccess"], extensions: { code: "FORBIDDEN" } }] })).toEqual({
      outcome: "hidden",
    });
    expect(p.shape(event, "5", { data: { concordAccess: { __typename: "CollectionCase" } } })).toEqual({
      outcome: "deliver",
      delivery: { data: { caseUpdated: { cursor: "5" } } },
    });
  });

  it("gives equal keys to equal selections and different keys to different ones", () => {
    const a = plan(`subscription { caseUpdated(caseId: "c1") { cursor case { id } } }`);
    const b = plan(`subscription Other { caseUpdated(caseId: "c2") { cursor case { id } } }`);
    const c = plan(`subscription { caseUpdated { cursor case { id status } } }`);
    expect(a.key).toBe(b.key);
    expect(a.key).not.toBe(c.key);
  });

  it("refuses queries over the WebSocket and bad variables with coded errors", () => {
    expect(refusal(`{ collectionCase(id: "1") { id } }`)).toEqual(["BAD_REQUEST"]);
    expect(refusal(`subscription($k: [CaseUpdateKind!]) { caseUpdated(filter: { kinds: $k }) { cursor } }`, { k: ["NOPE"] })).toEqual(["BAD_USER_INPUT"]);
  });
});

describe("declarations against the schema", () => {
  it("finds none missing in a schema that serves them all", () => {
    expect(declarationProblems(schema, SUBSCRIPTIONS)).toEqual([]);
  });

  it("names a payload field with no source", () => {
    const extra = buildSchema(`
      type Query { collectionCase(id: ID!): CollectionCase }
      type CollectionCase { id: ID! }
      type CaseUpdate { cursor: String! mystery: Int case: CollectionCase }
      type Subscription { caseUpdated: CaseUpdate! }
    `);
    expect(declarationProblems(extra, SUBSCRIPTIONS.filter((d) => d.field === "caseUpdated"))).toEqual(["CaseUpdate.mystery has no source in SUBSCRIPTIONS"]);
  });

  it("names a scope not in the catalogue, and one a declared role may not hold", () => {
    const caseUpdated = SUBSCRIPTIONS.find((d) => d.field === "caseUpdated")!;
    expect(declarationProblems(schema, [{ ...caseUpdated, scope: "cases:peek" as never }])).toEqual(["Subscription.caseUpdated needs the unknown scope cases:peek"]);
    expect(declarationProblems(schema, [{ ...caseUpdated, scope: "audit:read" }])).toEqual([
      "Subscription.caseUpdated needs audit:read, which the lender role may not hold",
      "Subscription.caseUpdated needs audit:read, which the agency role may not hold",
    ]);
  });
});
