import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { subjectOf, type Principal } from "@concord/schema";
import { createLogger, FixedClock, newEvent, PgEventBus, uuidv7, type EventEnvelope } from "@concord/service-kit";
import { agencyPrincipal, auditorPrincipal, createTestDatabase, lenderPrincipal, subgraphCaller, TEST_GATEWAY_KEYS, until, type TestDatabase } from "@concord/test-kit";
import { start, type AgenciesService } from "../../index";
import { COMPLIANCE_VIOLATIONS_CONSUMER } from "./compliance-violations";

/**
 * Contact violations outreach emits reach the lender's `violations` list through the
 * `agencies.compliance-violations` consumer, over the bus the subgraph runs with.
 */

let db: TestDatabase;
let busDb: TestDatabase;
let bus: PgEventBus;
let svc: AgenciesService;
let principal: Principal;
const call = subgraphCaller("agencies", () => svc.url, () => principal);
const clock = new FixedClock(new Date("2026-11-25T10:00:00Z"));
const [lender, otherLender] = [uuidv7(), uuidv7()];

const VIOLATIONS = `query($first: Int) {
  violations(first: $first) { edges { node { id kind rule caseId agencyId visitId activityId limit observed occurredAt detail } } }
}`;

function violation(lenderId: string, overrides: Record<string, unknown> = {}): EventEnvelope {
  const activityId = uuidv7();
  return newEvent(
    {
      type: "ComplianceViolation", aggregateType: "Activity", aggregateId: activityId, lenderId,
      payload: {
        violationId: uuidv7(), activityId, caseId: uuidv7(), agencyId: uuidv7(), reporterRole: "agency",
        rule: "CALL_ATTEMPTS_7_DAYS", limit: "7 call attempts in 7 days", observed: "8", occurredAt: "2026-11-25T09:30:00.000Z",
        ...overrides,
      },
    },
    clock.now(),
  );
}
const publish = (...events: EventEnvelope[]) => bus.publish(events.map((e) => ({ id: e.id, subject: subjectOf(e), data: JSON.stringify(e) })));
/** Waits until the consumer has taken in (applied or dead-lettered) the event. */
const taken = (e: EventEnvelope) =>
  until(
    async () => (await svc.ds.query("SELECT 1 FROM inbox WHERE consumer = $1 AND event_id::text = $2 UNION ALL SELECT 1 FROM dead_letter WHERE consumer = $1 AND event_id = $2", [COMPLIANCE_VIOLATIONS_CONSUMER, e.id])).length > 0,
    `${COMPLIANCE_VIOLATIONS_CONSUMER} to take in ${e.id}`,
    20_000,
  );
const contactViolations = async (p: Principal) => {
  principal = p;
  const r = await call(VIOLATIONS, { first: 500 });
  expect(r.errors).toBeUndefined();
  return r.data.violations.edges.map((e: any) => e.node).filter((v: any) => v.kind === "CONTACT");
};

beforeAll(async () => {
  [db, busDb] = [await createTestDatabase("contactviol"), await createTestDatabase("contactviolbus")];
  bus = await PgEventBus.open({ url: busDb.url, pollMs: 50 });
  svc = await start({ databaseUrl: db.url, clock, bus, gatewayKeys: TEST_GATEWAY_KEYS, logger: createLogger("agencies").child({}, { level: "silent" }) });
});
afterAll(async () => {
  await svc?.stop();
  await bus?.close();
  await db?.drop();
  await busDb?.drop();
});

describe("contact violations in the violations list", () => {
  it("records a ComplianceViolation delivered twice as one CONTACT violation of the envelope's lender", async () => {
    const e = violation(lender);
    const p = e.payload as Record<string, any>;
    // The same event twice, and the same violation again under another event id (emitted anew).
    const again = { ...e, id: uuidv7() };
    await publish(e, e, again);
    await taken(again);
    // Emitted anew, it was applied (not dead-lettered) and inserted nothing.
    expect(await svc.ds.query("SELECT 1 FROM dead_letter WHERE consumer = $1", [COMPLIANCE_VIOLATIONS_CONSUMER])).toEqual([]);
    const mine = await contactViolations(lenderPrincipal(lender));
    expect(mine).toEqual([
      {
        id: p.violationId, kind: "CONTACT", rule: "CALL_ATTEMPTS_7_DAYS", caseId: p.caseId, agencyId: p.agencyId, visitId: null,
        activityId: p.activityId, limit: "7 call attempts in 7 days", observed: "8", occurredAt: "2026-11-25T09:30:00.000Z", detail: "reported by the agency",
      },
    ]);
    expect(await contactViolations(lenderPrincipal(otherLender))).toEqual([]);
    expect((await contactViolations(auditorPrincipal())).map((v: any) => v.id)).toContain(p.violationId);
    // The agency whose report it was sees it among its own; another agency does not.
    expect((await contactViolations(agencyPrincipal(p.agencyId))).map((v: any) => v.id)).toEqual([p.violationId]);
    expect(await contactViolations(agencyPrincipal(uuidv7()))).toEqual([]);
  });

  it("records a lender's own contact with no agency", async () => {
    const e = violation(lender, { agencyId: null, reporterRole: "lender", rule: "CONTACT_HOURS", limit: "08:00-21:00", observed: "21:00 Europe/London" });
    await publish(e);
    await taken(e);
    const found = (await contactViolations(lenderPrincipal(lender))).find((v: any) => v.id === (e.payload as any).violationId);
    expect(found).toMatchObject({ agencyId: null, rule: "CONTACT_HOURS", detail: "reported by the lender" });
  });

  it("refuses a payload that does not fit the schema: nothing is recorded, the event is dead-lettered", async () => {
    const bad = violation(lender, { reporterRole: "borrower" });
    await publish(bad);
    await taken(bad);
    expect(await svc.ds.query("SELECT 1 FROM visit_violation WHERE id = $1", [(bad.payload as any).violationId])).toEqual([]);
    expect(await svc.ds.query("SELECT 1 FROM dead_letter WHERE consumer = $1 AND event_id = $2", [COMPLIANCE_VIOLATIONS_CONSUMER, bad.id])).toHaveLength(1);
  }, 60_000);

  it("leaves an event of another subject alone, even one of the same type name", async () => {
    const other = { ...violation(lender), aggregateType: "Placement" };
    await publish(other);
    await taken(other);
    expect(await svc.ds.query("SELECT 1 FROM visit_violation WHERE id = $1", [(other.payload as any).violationId])).toEqual([]);
  });
});
