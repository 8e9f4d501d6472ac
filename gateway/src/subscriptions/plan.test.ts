import { buildSchema, parse, type FieldNode, type GraphQLError, type OperationDefinitionNode, type VariableNode } from "graphql";
import { describe, expect, it } from "vitest";
import { SUBSCRIPTIONS, type EventEnvelope, type SubscriptionDeclaration } from "@concord/schema";
import { declarationProblems, ID_VARIABLE, planSubscription, type SubjectPlan, type SubscriptionPlan } from "./plan";

const schema = buildSchema(`
  type Query { collectionCase(id: ID!): CollectionCase placement(id: ID!): Placement complianceViolation(id: ID!): ComplianceViolation complaint(id: ID!): Complaint plan(id: ID!): Plan }
  type Plan { id: ID! status: String }
  type PlanUpdate { cursor: String! kind: String! occurredAt: String! planId: ID! caseId: ID! plan: Plan }
  type ComplianceViolation { id: ID! rule: String }
  type Complaint { id: ID! status: String }
  type ComplianceAlert { cursor: String! kind: String! occurredAt: String! caseId: ID! rule: String stage: String violation: ComplianceViolation complaint: Complaint }
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
    planUpdated(planId: ID, after: String): PlanUpdate!
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

/**
 * A field fed by two subjects with an object each (a violation, a complaint overdue), and one
 * object (the case) resolved for both.
 */
const alertsSchema = buildSchema(`
  type Query { complianceViolation(id: ID!): ComplianceViolation complaint(id: ID!): Complaint collectionCase(id: ID!): CollectionCase }
  type ComplianceViolation { id: ID! rule: String }
  type Complaint { id: ID! stage: String }
  type CollectionCase { id: ID! status: String }
  type Alert { cursor: String! kind: String! caseId: ID violation: ComplianceViolation complaint: Complaint case: CollectionCase }
  type Subscription { alerts(after: String): Alert! }
`);
const VIOLATION = "Activity.ComplianceViolation";
const OVERDUE = "Complaint.ComplaintOverdue";
const text = (v: unknown) => (typeof v === "string" ? v : null);
const alerts: SubscriptionDeclaration = {
  field: "alerts",
  roles: ["lender"],
  scope: "violations:read",
  subjects: [VIOLATION, OVERDUE],
  entities: [
    { field: "violation", query: "complianceViolation", idOf: (e) => text(e.payload.violationId), subjects: [VIOLATION] },
    { field: "complaint", query: "complaint", idOf: (e) => text(e.payload.complaintId), subjects: [OVERDUE] },
    { field: "case", query: "collectionCase", idOf: (e) => text(e.payload.caseId) },
  ],
  meta: { cursor: (_e, cursor) => cursor, kind: (e) => (e.type === "ComplaintOverdue" ? "COMPLAINT_OVERDUE" : "VIOLATION"), caseId: (e) => text(e.payload.caseId) },
  concerns: () => true,
};
const alertPlan = (query: string, variables?: Record<string, unknown>): SubscriptionPlan => {
  const p = planSubscription(alertsSchema, [alerts], parse(query), undefined, variables);
  if (Array.isArray(p)) throw new Error(p.map((e) => e.message).join("; "));
  return p;
};
const violated: EventEnvelope = {
  ...event,
  type: "ComplianceViolation",
  aggregateType: "Activity",
  aggregateId: "a1",
  payload: { caseId: "c1", violationId: "v1", rule: "CALL_ATTEMPTS_7_DAYS" },
};
const overdue: EventEnvelope = {
  ...event,
  type: "ComplaintOverdue",
  aggregateType: "Complaint",
  aggregateId: "k1",
  payload: { complaintId: "k1", caseId: "c2", stage: "FINAL_RESPONSE", deadline: "2026-11-24T10:00:00.000Z" },
};
/** The root fields a resolution query asks for, as `alias: query(id: $variable)`. */
const rootsOf = (query: string) =>
  (parse(query).definitions[0] as OperationDefinitionNode).selectionSet.selections.map((s) => {
    const f = s as FieldNode;
    const v = f.arguments![0]!.value as VariableNode;
    return `${f.alias?.value ?? f.name.value}: ${f.name.value}(id: $${v.name.value})`;
  });
const idsOf = (sp: SubjectPlan | undefined, e: EventEnvelope) => sp?.ids.map((i) => [i.variable, i.idOf(e)]);
const refused = (path: string, code = "FORBIDDEN") => ({ message: "no", path: [path], extensions: { code } });

describe("a subscription fed by several subjects, each with its own object", () => {
  it("asks, for each subject, only for the selected objects resolved for it, each by its own id", () => {
    const p = alertPlan(`subscription { alerts { kind violation { rule } complaint { stage } } }`);
    const v = p.forSubject(VIOLATION);
    const k = p.forSubject(OVERDUE);
    expect(rootsOf(v!.query)).toEqual([`violation: complianceViolation(id: $${ID_VARIABLE})`]);
    expect(rootsOf(k!.query)).toEqual([`complaint: complaint(id: $${ID_VARIABLE}2)`]);
    expect(idsOf(v, violated)).toEqual([[ID_VARIABLE, "v1"]]);
    expect(idsOf(k, overdue)).toEqual([[`${ID_VARIABLE}2`, "k1"]]);
    expect(p.forSubject("Complaint.ComplaintResolved")).toBeUndefined();
  });

  it("gives the objects not resolved for the event's subject as null", () => {
    const p = alertPlan(`subscription { alerts { kind violation { rule } complaint { stage } } }`);
    expect(p.shape(violated, "7", { data: { violation: { rule: "CALL_ATTEMPTS_7_DAYS" } } })).toEqual({
      outcome: "deliver",
      delivery: { data: { alerts: { kind: "VIOLATION", violation: { rule: "CALL_ATTEMPTS_7_DAYS" }, complaint: null } } },
    });
    // Even when the answer, somehow, carries it.
    expect(p.shape(overdue, "8", { data: { complaint: { stage: "FINAL_RESPONSE" }, violation: { rule: "X" } } })).toEqual({
      outcome: "deliver",
      delivery: { data: { alerts: { kind: "COMPLAINT_OVERDUE", violation: null, complaint: { stage: "FINAL_RESPONSE" } } } },
    });
  });

  it("probes the subject's first object when the subscriber selected none resolved for that subject", () => {
    const onlyComplaint = alertPlan(`subscription { alerts { cursor complaint { id } } }`);
    expect(rootsOf(onlyComplaint.forSubject(VIOLATION)!.query)).toEqual([`concordAccess: complianceViolation(id: $${ID_VARIABLE})`]);
    expect(onlyComplaint.forSubject(VIOLATION)!.query).toContain("concordAccess: complianceViolation(id: $concordSubscriptionId) {\n    __typename");
    expect(rootsOf(onlyComplaint.forSubject(OVERDUE)!.query)).toEqual([`complaint: complaint(id: $${ID_VARIABLE}2)`]);
    expect(onlyComplaint.shape(violated, "3", { data: { concordAccess: { __typename: "ComplianceViolation" } } })).toEqual({
      outcome: "deliver",
      delivery: { data: { alerts: { cursor: "3", complaint: null } } },
    });

    const none = alertPlan(`subscription { alerts { cursor kind } }`);
    expect(rootsOf(none.forSubject(VIOLATION)!.query)).toEqual([`concordAccess: complianceViolation(id: $${ID_VARIABLE})`]);
    expect(rootsOf(none.forSubject(OVERDUE)!.query)).toEqual([`concordAccess: complaint(id: $${ID_VARIABLE}2)`]);
    expect(idsOf(none.forSubject(OVERDUE), overdue)).toEqual([[`${ID_VARIABLE}2`, "k1"]]);
    expect(none.shape(overdue, "4", { data: { concordAccess: { __typename: "Complaint" } } })).toEqual({
      outcome: "deliver",
      delivery: { data: { alerts: { cursor: "4", kind: "COMPLAINT_OVERDUE" } } },
    });
  });

  it("delivers nothing of a subject whose object the subscriber may not see", () => {
    const p = alertPlan(`subscription { alerts { kind violation { rule } complaint { stage } } }`);
    expect(p.shape(violated, "1", { data: { violation: null }, errors: [refused("violation")] })).toEqual({ outcome: "hidden" });
    expect(p.shape(overdue, "1", { data: { complaint: null }, errors: [refused("complaint", "NOT_FOUND")] })).toEqual({ outcome: "hidden" });
    const none = alertPlan(`subscription { alerts { cursor } }`);
    expect(none.shape(overdue, "1", { data: { concordAccess: null }, errors: [refused("concordAccess")] })).toEqual({ outcome: "hidden" });
    // The other subject's object in the answer is nothing this subject's resolution expects.
    expect(p.shape(overdue, "1", { data: { complaint: { stage: "X" } }, errors: [refused("violation")] }).outcome).toBe("failed");
    expect(p.shape(overdue, "1", { data: { violation: { rule: "X" } } }).outcome).toBe("failed");
  });

  it("resolves every selected object of a subject that has several, and hides the event when any one is refused", () => {
    const p = alertPlan(`subscription { alerts { kind c: case { status } complaint { stage } } }`);
    const k = p.forSubject(OVERDUE)!;
    expect(rootsOf(k.query)).toEqual([`c: collectionCase(id: $${ID_VARIABLE}3)`, `complaint: complaint(id: $${ID_VARIABLE}2)`]);
    expect(idsOf(k, overdue)).toEqual([
      [`${ID_VARIABLE}2`, "k1"],
      [`${ID_VARIABLE}3`, "c2"],
    ]);
    expect(rootsOf(p.forSubject(VIOLATION)!.query)).toEqual([`c: collectionCase(id: $${ID_VARIABLE}3)`]);
    expect(p.shape(overdue, "2", { data: { c: { status: "OPEN" }, complaint: { stage: "FIRST" } } })).toEqual({
      outcome: "deliver",
      delivery: { data: { alerts: { kind: "COMPLAINT_OVERDUE", c: { status: "OPEN" }, complaint: { stage: "FIRST" } } } },
    });
    expect(p.shape(overdue, "2", { data: { c: null, complaint: { stage: "FIRST" } }, errors: [refused("c")] })).toEqual({ outcome: "hidden" });
    expect(p.shape(overdue, "2", { data: { c: { status: "OPEN" }, complaint: null }, errors: [refused("complaint")] })).toEqual({ outcome: "hidden" });
    // One object down for a reason other than access, the other seen: nothing can be said yet.
    expect(p.shape(overdue, "2", { data: { c: { status: "OPEN" }, complaint: null }, errors: [refused("complaint", "INTERNAL_SERVER_ERROR")] }).outcome).toBe("failed");
    expect(p.shape(violated, "2", { data: { c: { status: "OPEN" } } })).toEqual({
      outcome: "deliver",
      delivery: { data: { alerts: { kind: "VIOLATION", c: { status: "OPEN" }, complaint: null } } },
    });
  });

  it("plans each subject once, and subjects with the same objects share one plan", () => {
    const p = alertPlan(`subscription { alerts { kind violation { rule } } }`);
    expect(p.forSubject(VIOLATION)).toBe(p.forSubject(VIOLATION));
    expect(p.forSubject(VIOLATION)).not.toBe(p.forSubject(OVERDUE));
    const cases = plan(`subscription { caseUpdated { kind case { id } } }`);
    const subjects = SUBSCRIPTIONS.find((d) => d.field === "caseUpdated")!.subjects;
    expect(subjects.length).toBeGreaterThan(1);
    for (const s of subjects) expect(cases.forSubject(s)).toBe(cases.forSubject(subjects[0]!));
    expect(cases.forSubject(subjects[0]!)!.query).toBe(cases.query);
  });

  it("keeps apart selections that differ only in an object of another subject", () => {
    const a = alertPlan(`subscription { alerts { kind violation { rule } complaint { id } } }`);
    const b = alertPlan(`subscription { alerts { kind violation { rule } complaint { stage } } }`);
    expect(a.forSubject(VIOLATION)!.query).toBe(b.forSubject(VIOLATION)!.query);
    expect(a.key).not.toBe(b.key);
    expect(a.key).toBe(alertPlan(`subscription Again { alerts { kind violation { rule } complaint { id } } }`).key);
  });

  it("passes each subject's query only the subscriber's variables it uses", () => {
    const p = alertPlan(`subscription($full: Boolean!) { alerts { violation { rule @include(if: $full) } complaint { stage } } }`, { full: true });
    expect(p.forSubject(VIOLATION)!.variables).toEqual({ full: true });
    expect(p.forSubject(OVERDUE)!.variables).toEqual({});
    expect(p.forSubject(OVERDUE)!.query).not.toContain("$full");
  });

  it("reserves every object's id variable", () => {
    const codes = (query: string, schema_ = alertsSchema, decls: readonly SubscriptionDeclaration[] = [alerts]) => {
      const p = planSubscription(schema_, decls, parse(query), undefined, {});
      return Array.isArray(p) ? p.map((e) => e.extensions.code) : [];
    };
    expect(codes(`subscription($concordSubscriptionId2: ID) { alerts { cursor } }`)).toEqual(["BAD_USER_INPUT"]);
    expect(codes(`subscription($concordSubscriptionId3: ID) { alerts { cursor } }`)).toEqual(["BAD_USER_INPUT"]);
    expect(codes(`subscription($concordSubscriptionId4: ID) { alerts { cursor } }`)).toEqual([]);
    // A declaration with one object takes only $concordSubscriptionId.
    expect(codes(`subscription($concordSubscriptionId2: ID) { caseUpdated { cursor } }`, schema, SUBSCRIPTIONS)).toEqual([]);
  });
});

describe("declarations of several objects against the schema", () => {
  it("finds nothing wrong with a declaration that gives each subject an object it can resolve", () => {
    expect(declarationProblems(alertsSchema, [alerts])).toEqual([]);
  });

  it("names a subject no object is resolved for", () => {
    const [violation, , byCase] = alerts.entities;
    const noComplaint = { ...alerts, entities: [violation!, { ...byCase!, subjects: [VIOLATION] }] };
    expect(declarationProblems(alertsSchema, [noComplaint])).toEqual([
      `Subscription.alerts has no entity for ${OVERDUE}, so nothing says who may see its events`,
      "Alert.complaint has no source in SUBSCRIPTIONS",
    ]);
  });

  it("names an object resolved for a subject that does not feed the field", () => {
    const stray = { ...alerts, entities: alerts.entities.map((en) => (en.field === "complaint" ? { ...en, subjects: [OVERDUE, "Complaint.ComplaintResolved"] } : en)) };
    expect(declarationProblems(alertsSchema, [stray])).toEqual(["Subscription.alerts's entity complaint is resolved for Complaint.ComplaintResolved, which does not feed it"]);
  });

  it("names an object its query does not resolve, and one declared twice", () => {
    const wrongQuery = { ...alerts, entities: alerts.entities.map((en) => (en.field === "complaint" ? { ...en, query: "complianceViolation" } : en)) };
    expect(declarationProblems(alertsSchema, [wrongQuery])).toEqual(["Alert.complaint must be resolvable as Query.complianceViolation(id:) of the same type"]);
    const twice = { ...alerts, entities: [...alerts.entities, alerts.entities[1]!] };
    expect(declarationProblems(alertsSchema, [twice])).toEqual(["Subscription.alerts declares its entity complaint twice"]);
  });
});
