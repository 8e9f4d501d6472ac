import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { applyToCaseDirectory, createLogger, FixedClock, newEvent, PgEventBus, uuidv7, type EventEnvelope } from "@concord/service-kit";
import { createTestDatabase, lenderPrincipal, subgraphCaller, TEST_GATEWAY_KEYS, until, type TestDatabase } from "@concord/test-kit";
import { start, type AgenciesService } from "../../index";
import { LEGAL_RECALL, legalEscalationHandler } from "./legal-escalation";

let db: TestDatabase;
let svc: AgenciesService;
const lender = uuidv7();
const call = subgraphCaller("agencies", () => svc.url, () => lenderPrincipal(lender));
const clock = new FixedClock(new Date("2026-12-01T10:00:00Z"));

beforeAll(async () => {
  db = await createTestDatabase("legalrecall");
  svc = await start({ databaseUrl: db.url, clock, gatewayKeys: TEST_GATEWAY_KEYS, logger: createLogger("agencies").child({}, { level: "silent" }) });
});
afterAll(async () => {
  await svc?.stop();
  await db?.drop();
});

async function agency() {
  const id = uuidv7();
  await svc.ds.query(
    `INSERT INTO agency (id, name, licence_number, licence_review_due, regions, capacity, channels, status)
     VALUES ($1, 'Test Agency', $2, '2027-06-01', '{Leeds}', 50, '{CALL}', 'ACTIVE')`,
    [id, `LIC-${id.slice(-8)}`],
  );
  return id;
}
async function openCase() {
  const id = uuidv7();
  const opened = newEvent(
    {
      type: "CaseOpened", aggregateType: "CollectionCase", aggregateId: id, aggregateVersion: 1, lenderId: lender,
      payload: {
        caseId: id, loanId: uuidv7(), borrowerId: uuidv7(), region: "Leeds", status: "OPEN", daysPastDue: 120, bucket: "DPD_90_PLUS",
        amountOverdueMinor: "1000", outstandingBalanceMinor: "5000", currency: "GBP", asOf: "2026-12-01",
      },
    },
    clock.now(),
  );
  await svc.ds.transaction((tx) => applyToCaseDirectory(tx, opened));
  return id;
}
async function place(caseId: string, agencyId: string, expiresAt = "2027-01-31T00:00:00Z") {
  const r = await call(
    `mutation($input: PlaceCaseInput!) { placeCase(input: $input) { id status } }`,
    { input: { caseId, agencyId, expiresAt, commissionBps: 1500, maxDiscountBps: 1000, maxInstalments: 12 } },
  );
  expect(r.errors).toBeUndefined();
  return r.data.placeCase.id as string;
}
const escalated = (caseId: string, escalatedAt = clock.now().toISOString()) => {
  const escalationId = uuidv7();
  return newEvent(
    { type: "CaseEscalatedToLegal", aggregateType: "LegalEscalation", aggregateId: escalationId, aggregateVersion: 1, lenderId: lender, payload: { escalationId, caseId, escalatedAt } },
    clock.now(),
  );
};
const deliver = (...events: EventEnvelope[]) =>
  events.reduce((p, e) => p.then(() => svc.ds.transaction((tx) => legalEscalationHandler(clock)(e, tx))), Promise.resolve());
const placement = async (id: string) => (await svc.ds.query("SELECT status, end_reason, ended_by, ended_at FROM placement WHERE id = $1", [id]))[0];
const endedEvents = async (id: string) =>
  (await svc.ds.query("SELECT envelope FROM outbox WHERE aggregate_id = $1 AND type = 'PlacementEnded' ORDER BY seq", [id])).map((r: any) => JSON.parse(r.envelope));

describe("a case escalated to legal action", () => {
  it("recalls its ACTIVE placement with the legal reason and PlacementEnded, once however often it arrives", async () => {
    const [a, c] = [await agency(), await openCase()];
    const p = await place(c, a);
    const event = escalated(c);
    await deliver(event, event);
    expect(await placement(p)).toEqual({ status: "RECALLED", end_reason: LEGAL_RECALL.reason, ended_by: "system", ended_at: clock.now() });
    expect(LEGAL_RECALL.reason).toBe("The case was escalated to legal action");
    const ended = await endedEvents(p);
    expect(ended).toHaveLength(1);
    expect(ended[0]).toMatchObject({ correlationId: event.id, payload: { placementId: p, caseId: c, agencyId: a, status: "RECALLED" } });
    // The agency's access ends with it, in this subgraph's own directory.
    const [dir] = await svc.ds.query("SELECT ended_at FROM case_directory_placement WHERE placement_id = $1", [p]);
    expect(dir.ended_at).not.toBeNull();
  });

  it("leaves alone the placements of other cases, and a case with none", async () => {
    const [a, c, other, unplaced] = [await agency(), await openCase(), await openCase(), await openCase()];
    const p = await place(other, a);
    await place(c, a);
    await deliver(escalated(c), escalated(unplaced));
    expect((await placement(p)).status).toBe("ACTIVE");
    expect(await endedEvents(p)).toEqual([]);
  });

  it("recalls a placement made at the escalation's instant, not one made a millisecond after it (a redelivery spares the next agency)", async () => {
    const [a, b, c] = [await agency(), await agency(), await openCase()];
    const at = clock.now().toISOString();
    const first = await place(c, a);
    const event = escalated(c, at);
    await deliver(event);
    expect((await placement(first)).status).toBe("RECALLED");
    clock.set(new Date(Date.parse(at) + 1));
    try {
      const second = await place(c, b);
      await deliver(event);
      expect((await placement(second)).status).toBe("ACTIVE");
    } finally {
      clock.set("2026-12-01T10:00:00Z");
    }
  });

  it("expires, rather than recalls, a placement that had lapsed before the escalation arrived", async () => {
    const [a, c] = [await agency(), await openCase()];
    const p = await place(c, a, "2026-12-01T11:00:00Z");
    clock.set("2026-12-01T11:00:00Z");
    try {
      await deliver(escalated(c, "2026-12-01T10:30:00Z"));
      expect((await placement(p)).status).toBe("EXPIRED");
    } finally {
      clock.set("2026-12-01T10:00:00Z");
    }
  });
});

describe("the agencies.legal-escalation consumer on the bus", () => {
  it("is wired into the subgraph: an escalation published on the bus recalls the placement", async () => {
    const busDb = await createTestDatabase("legalrecallbus");
    const bus = await PgEventBus.open({ url: busDb.url, pollMs: 100 });
    const wiredDb = await createTestDatabase("legalrecallwired");
    const wired = await start({ databaseUrl: wiredDb.url, clock, bus, gatewayKeys: TEST_GATEWAY_KEYS, logger: createLogger("agencies").child({}, { level: "silent" }) });
    const saved = svc;
    svc = wired;
    try {
      const [a, c] = [await agency(), await openCase()];
      const p = await place(c, a);
      const e = escalated(c);
      await bus.publish([{ id: e.id, subject: "LegalEscalation.CaseEscalatedToLegal", data: JSON.stringify(e) }]);
      await until(async () => (await placement(p)).status !== "ACTIVE", "the recall", 15_000);
      expect((await placement(p)).status).toBe("RECALLED");
    } finally {
      svc = saved;
      await wired.stop();
      await bus.close();
      await wiredDb.drop();
      await busDb.drop();
    }
  });
});
