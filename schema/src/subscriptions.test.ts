import { describe, expect, it } from "vitest";
import type { EventEnvelope } from "./events";
import type { Principal } from "./principal";
import { SUBSCRIPTIONS, type DeliveryFacts } from "./subscriptions";

const L1 = "00000000-0000-7000-8000-0000000000a1";
const L2 = "00000000-0000-7000-8000-0000000000b2";
const A1 = "00000000-0000-7000-8000-0000000000c1";
const A2 = "00000000-0000-7000-8000-0000000000c2";
const B1 = "00000000-0000-7000-8000-0000000000d1";
const CASE = "00000000-0000-7000-8000-0000000000e1";

const declared = (field: string) => SUBSCRIPTIONS.find((d) => d.field === field)!;
const event = (over: Partial<EventEnvelope> = {}): EventEnvelope => ({
  id: "00000000-0000-7000-8000-000000000001",
  type: "CaseUpdated",
  version: 1,
  aggregateType: "CollectionCase",
  aggregateId: CASE,
  lenderId: L1,
  occurredAt: "2026-11-25T10:00:00.000Z",
  correlationId: null,
  causationId: null,
  payload: { caseId: CASE, borrowerId: B1, bucket: "DPD_31_60" },
  ...over,
});
const lender = (lenderId: string): Principal => ({ sub: "u", role: "lender", lenderId, scope: [] });
const agency = (agencyId: string): Principal => ({ sub: "a", role: "agency", agencyId, scope: [] });
const borrower = (borrowerId: string): Principal => ({ sub: "b", role: "borrower", borrowerId, scope: [] });
const held = (by: string | null | undefined): DeliveryFacts => ({ caseHolder: () => by });

describe("who an event concerns", () => {
  const caseUpdated = declared("caseUpdated");

  it("gives a lender its own portfolio's events only", () => {
    expect(caseUpdated.concerns(event(), lender(L1), {}, held(null))).toBe(true);
    expect(caseUpdated.concerns(event(), lender(L2), {}, held(null))).toBe(false);
  });

  it("gives an agency the events of the cases it holds, and lets the resolution decide when nobody knows", () => {
    expect(caseUpdated.concerns(event(), agency(A1), {}, held(A1))).toBe(true);
    expect(caseUpdated.concerns(event(), agency(A2), {}, held(A1))).toBe(false);
    expect(caseUpdated.concerns(event(), agency(A1), {}, held(null))).toBe(false);
    expect(caseUpdated.concerns(event(), agency(A1), {}, held(undefined))).toBe(true);
  });

  it("applies caseId, kinds and buckets", () => {
    const payment = event({ type: "PaymentRecorded", aggregateType: "Loan", aggregateId: "loan-1", payload: { caseId: CASE, borrowerId: B1 } });
    expect(caseUpdated.concerns(event(), lender(L1), { caseId: CASE.toUpperCase() }, held(null))).toBe(true);
    expect(caseUpdated.concerns(event(), lender(L1), { caseId: L2 }, held(null))).toBe(false);
    expect(caseUpdated.concerns(payment, lender(L1), { filter: { kinds: ["PAYMENT_RECORDED"] } }, held(null))).toBe(true);
    expect(caseUpdated.concerns(event(), lender(L1), { filter: { kinds: ["PAYMENT_RECORDED"] } }, held(null))).toBe(false);
    expect(caseUpdated.concerns(event(), lender(L1), { filter: { buckets: ["DPD_31_60"] } }, held(null))).toBe(true);
    expect(caseUpdated.concerns(payment, lender(L1), { filter: { buckets: ["DPD_31_60"] } }, held(null))).toBe(false);
  });

  it("gives a borrower its own cases and payments, never placements", () => {
    const mine = declared("myCaseUpdates");
    expect(mine.concerns(event(), borrower(B1), {}, held(null))).toBe(true);
    expect(mine.concerns(event(), borrower(L2), {}, held(null))).toBe(false);
    expect(mine.subjects).not.toContain("Placement.PlacementStarted");
  });

  it("tells an agency of the placements made with it only", () => {
    const received = declared("placementsReceived");
    const placed = event({ type: "PlacementStarted", aggregateType: "Placement", aggregateId: "p1", payload: { caseId: CASE, agencyId: A1 } });
    expect(received.concerns(placed, agency(A1), {}, held(A1))).toBe(true);
    expect(received.concerns(placed, agency(A2), {}, held(A1))).toBe(false);
    expect(received.concerns(placed, lender(L1), {}, held(A1))).toBe(false);
  });

  it("alerts a lender to its own cases' compliance violations only", () => {
    const alerts = declared("complianceAlerts");
    const violation = event({ type: "ComplianceViolation", aggregateType: "Activity", aggregateId: "a1", payload: { caseId: CASE, violationId: L2, rule: "CALL_ATTEMPTS_7_DAYS" } });
    expect(alerts.concerns(violation, lender(L1), {}, held(null))).toBe(true);
    expect(alerts.concerns(violation, lender(L2), {}, held(null))).toBe(false);
    expect(alerts.concerns(violation, agency(A1), {}, held(A1))).toBe(false);
    expect(alerts.entities[0]!.idOf(violation)).toBe(L2);
  });

  it("gives plan updates to the borrower of the plan, the case's lender and the holding agency, narrowed by planId", () => {
    const plans = declared("planUpdated");
    const PLAN = "00000000-0000-7000-8000-0000000000f1";
    const updated = event({ type: "PlanUpdated", aggregateType: "Plan", aggregateId: PLAN, payload: { planId: PLAN, caseId: CASE, borrowerId: B1, change: "PAYMENT" } });
    const started = event({ type: "PlanStarted", aggregateType: "Plan", aggregateId: PLAN, payload: { planId: PLAN, caseId: CASE, borrowerId: B1 } });
    expect(plans.subjects).toEqual(["Plan.PlanStarted", "Plan.PlanUpdated"]);
    expect(plans.concerns(updated, borrower(B1), {}, held(null))).toBe(true);
    expect(plans.concerns(updated, borrower(L2), {}, held(null))).toBe(false);
    expect(plans.concerns(updated, lender(L1), {}, held(null))).toBe(true);
    expect(plans.concerns(updated, lender(L2), {}, held(null))).toBe(false);
    expect(plans.concerns(updated, agency(A1), {}, held(A1))).toBe(true);
    expect(plans.concerns(updated, agency(A2), {}, held(A1))).toBe(false);
    expect(plans.concerns(updated, agency(A1), {}, held(null))).toBe(false);
    expect(plans.concerns(updated, borrower(B1), { planId: PLAN.toUpperCase() }, held(null))).toBe(true);
    expect(plans.concerns(updated, borrower(B1), { planId: CASE }, held(null))).toBe(false);
    // A case event of the same borrower is not a plan's.
    expect(plans.concerns(event(), borrower(B1), {}, held(null))).toBe(false);
    expect(plans.narrowedBy!.keyOf(updated)).toBe(PLAN);
    expect(plans.entities[0]!.idOf(updated)).toBe(PLAN);
    expect(plans.meta.kind!(started, "1")).toBe("STARTED");
    expect(plans.meta.kind!(updated, "2")).toBe("PAYMENT");
    expect(plans.meta.caseId!(updated, "2")).toBe(CASE);
  });
});
