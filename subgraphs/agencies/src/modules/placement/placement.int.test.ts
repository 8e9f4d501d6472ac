import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { applyToCaseDirectory, CaseDirectory, createLogger, FixedClock, newEvent, uuidv7 } from "@concord/service-kit";
import type { Principal } from "@concord/schema";
import { agencyPrincipal, codes, createTestDatabase, lenderPrincipal, subgraphCaller, TEST_GATEWAY_KEYS, type TestDatabase } from "@concord/test-kit";
import { start, type AgenciesService } from "../../index";
import { caseResolvedHandler } from "../../access/case-resolved";
import { expirePlacements, suspendOverdueAgencies } from "./placement.jobs";

let db: TestDatabase;
let svc: AgenciesService;
let principal: Principal;
const call = subgraphCaller("agencies", () => svc.url, () => principal);
const clock = new FixedClock(new Date("2026-11-25T10:00:00Z"));
const lender = uuidv7();
const otherLender = uuidv7();

beforeAll(async () => {
  db = await createTestDatabase("placements");
  svc = await start({ databaseUrl: db.url, clock, gatewayKeys: TEST_GATEWAY_KEYS, logger: createLogger("agencies").child({}, { level: "silent" }) });
  principal = lenderPrincipal(lender);
});
afterAll(async () => {
  await svc?.stop();
  await db?.drop();
});

async function agency(o: { capacity?: number; status?: string; reviewDue?: string; regions?: string[] } = {}) {
  const id = uuidv7();
  await svc.ds.query(
    `INSERT INTO agency (id, name, licence_number, licence_review_due, regions, capacity, channels, status)
     VALUES ($1, 'Test Agency', $2, $3, $6, $4, '{CALL}', $5)`,
    [id, `LIC-${id.slice(-8)}`, o.reviewDue ?? "2027-06-01", o.capacity ?? 10, o.status ?? "ACTIVE", o.regions ?? ["Leeds"]],
  );
  return id;
}
/** A case event of the loans subgraph, as the case directory receives it from the bus. */
const caseEvent = (type: "CaseOpened" | "CaseResolved", id: string, version: number, o: { lenderId?: string; status?: string; region?: string; bucket?: string } = {}) =>
  newEvent(
    {
      type, aggregateType: "CollectionCase", aggregateId: id, aggregateVersion: version, lenderId: o.lenderId ?? lender,
      payload: {
        caseId: id, loanId: uuidv7(), borrowerId: uuidv7(), region: o.region ?? "Leeds", status: o.status ?? (type === "CaseResolved" ? "RESOLVED" : "OPEN"),
        daysPastDue: type === "CaseResolved" ? 0 : 40, bucket: type === "CaseResolved" ? null : (o.bucket ?? "DPD_31_60"),
        amountOverdueMinor: "0", outstandingBalanceMinor: "0", currency: "GBP", asOf: "2026-11-25",
      },
    },
    clock.now(),
  );
async function caseFact(o: { lenderId?: string; status?: string; region?: string; bucket?: string } = {}) {
  const id = uuidv7();
  await svc.ds.transaction((tx) => applyToCaseDirectory(tx, caseEvent("CaseOpened", id, 1, o)));
  return id;
}

const PLACE = `mutation($input: PlaceCaseInput!) { placeCase(input: $input) { id status expiresAt commissionBps agency { id } collectionCase { id } } }`;
const input = (caseId: string, agencyId: string, extra: Record<string, unknown> = {}) => ({
  input: { caseId, agencyId, expiresAt: "2027-01-31T00:00:00Z", commissionBps: 1500, maxDiscountBps: 1000, maxInstalments: 12, ...extra },
});
const activeCount = async (caseId: string) =>
  (await svc.ds.query("SELECT count(*)::int AS n FROM placement WHERE case_id = $1 AND status = 'ACTIVE'", [caseId]))[0].n;
const outbox = async () => (await svc.ds.query("SELECT count(*)::int AS n FROM outbox"))[0].n;

describe("placeCase", () => {
  it("places a lender's open case with an agency and emits PlacementStarted", async () => {
    const [a, c] = [await agency(), await caseFact()];
    const r = await call(PLACE, input(c, a));
    expect(r.errors).toBeUndefined();
    expect(r.data.placeCase).toMatchObject({ status: "ACTIVE", commissionBps: 1500, agency: { id: a }, collectionCase: { id: c } });
    const [e] = await svc.ds.query("SELECT type, aggregate_id, envelope FROM outbox ORDER BY seq DESC LIMIT 1");
    expect({ type: e.type, aggregate_id: e.aggregate_id }).toEqual({ type: "PlacementStarted", aggregate_id: r.data.placeCase.id });
    // It carries the agency's channels, and the subgraph's own directory keeps them.
    expect(JSON.parse(e.envelope).payload.channels).toEqual(["CALL"]);
    expect((await new CaseDirectory(svc.ds, clock).entry(c))?.activePlacement?.channels).toEqual(["CALL"]);
  });

  it("returns the same placement when the same placement is asked again", async () => {
    const [a, c] = [await agency(), await caseFact()];
    const first = await call(PLACE, input(c, a));
    const again = await call(PLACE, input(c, a));
    expect(again.data.placeCase.id).toBe(first.data.placeCase.id);
    expect(await activeCount(c)).toBe(1);
  });

  it("gives one success and one CONFLICT for two placements of a case at once", async () => {
    const [a1, a2, c] = [await agency(), await agency(), await caseFact()];
    const results = await Promise.all([call(PLACE, input(c, a1)), call(PLACE, input(c, a2))]);
    expect(results.map((r) => (r.errors ? codes(r)[0] : "OK")).sort()).toEqual(["CONFLICT", "OK"]);
    expect(await activeCount(c)).toBe(1);
  });

  it("never takes an agency past its capacity, even under parallel requests", async () => {
    const a = await agency({ capacity: 2 });
    const cases = await Promise.all(Array.from({ length: 6 }, () => caseFact()));
    const results = await Promise.all(cases.map((c) => call(PLACE, input(c, a))));
    expect(results.filter((r) => !r.errors)).toHaveLength(2);
    expect(results.filter((r) => r.errors).flatMap(codes)).toEqual(Array(4).fill("CONFLICT"));
    expect((await svc.ds.query("SELECT count(*)::int AS n FROM placement WHERE agency_id = $1 AND status = 'ACTIVE'", [a]))[0].n).toBe(2);
  });

  it.each([
    ["a resolved case", async () => input(await caseFact({ status: "RESOLVED" }), await agency()), "BAD_USER_INPUT"],
    ["a ceased case", async () => input(await caseFact({ status: "CEASED" }), await agency()), "BAD_USER_INPUT"],
    ["another lender's case (as if there were none)", async () => input(await caseFact({ lenderId: otherLender }), await agency()), "NOT_FOUND"],
    ["an expiry in the past", async () => input(await caseFact(), await agency(), { expiresAt: "2026-11-01T00:00:00Z" }), "BAD_USER_INPUT"],
    ["a suspended agency", async () => input(await caseFact(), await agency({ status: "SUSPENDED" })), "BAD_USER_INPUT"],
    ["an agency whose licence review is overdue", async () => input(await caseFact(), await agency({ reviewDue: "2026-11-01" })), "BAD_USER_INPUT"],
    ["a full agency", async () => {
      const a = await agency({ capacity: 1 });
      await call(PLACE, input(await caseFact(), a));
      return input(await caseFact(), a);
    }, "CONFLICT"],
    ["an unknown case", async () => input(uuidv7(), await agency()), "NOT_FOUND"],
    ["a commission over 100%", async () => input(await caseFact(), await agency(), { commissionBps: 20_000 }), "BAD_USER_INPUT"],
  ])("refuses %s and writes nothing", async (_label, make, code) => {
    const vars = await make();
    const before = await outbox();
    const r = await call(PLACE, vars);
    expect(codes(r)).toEqual([code]);
    expect(await activeCount((vars.input as { caseId: string }).caseId)).toBe(0);
    expect(await outbox()).toBe(before);
  });

  it("refuses an agency placing cases", async () => {
    principal = agencyPrincipal(uuidv7());
    try {
      const r = await call(PLACE, input(await caseFact(), await agency()));
      expect(codes(r)).toEqual(["FORBIDDEN"]);
    } finally {
      principal = lenderPrincipal(lender);
    }
  });
});

describe("Agency.placements", () => {
  const PAGE = `query($id: ID!, $first: Int, $after: String) {
    agency(id: $id) { placements(first: $first, after: $after) { edges { cursor node { id } } pageInfo { hasNextPage endCursor } } }
  }`;

  it("walks the agency's placements in id order, a page at a time, each once; a lender sees only its own", async () => {
    const a = await agency();
    const own: string[] = [];
    for (let i = 0; i < 5; i++) own.push((await call(PLACE, input(await caseFact(), a))).data.placeCase.id);
    principal = lenderPrincipal(otherLender);
    const theirs = (await call(PLACE, input(await caseFact({ lenderId: otherLender }), a))).data.placeCase.id;
    principal = lenderPrincipal(lender);
    const seen: string[] = [];
    let after: string | null = null;
    for (let pages = 1; ; pages++) {
      const r: any = await call(PAGE, { id: a, first: 2, after });
      expect(r.errors).toBeUndefined();
      const { edges, pageInfo } = r.data.agency.placements;
      seen.push(...edges.map((e: { node: { id: string } }) => e.node.id));
      expect(pageInfo.endCursor).toBe(edges.at(-1)?.cursor ?? null);
      if (!pageInfo.hasNextPage) break;
      after = pageInfo.endCursor;
      expect(pages).toBeLessThan(3);
    }
    expect(seen).toEqual(own);
    expect(seen).not.toContain(theirs);
  });

  it("refuses a page size outside 1 to 500 and a cursor it did not make", async () => {
    const a = await agency();
    for (const vars of [{ first: 0 }, { first: 501 }, { after: "bm90IGEgY3Vyc29y" }]) {
      expect(codes(await call(PAGE, { id: a, ...vars }))).toEqual(["BAD_USER_INPUT"]);
    }
  });
});

describe("ending a placement", () => {
  const RECALL = `mutation($id: ID!, $r: String!) { recallPlacement(placementId: $id, reason: $r) { status endReason endedBy endedAt } }`;
  const RETURN = `mutation($id: ID!, $r: String!) { returnPlacement(placementId: $id, reason: $r) { status endReason } }`;

  it("recalls once; recalling an ended placement is a CONFLICT", async () => {
    const [a, c] = [await agency(), await caseFact()];
    const { id } = (await call(PLACE, input(c, a))).data.placeCase;
    const r = await call(RECALL, { id, r: "Borrower complained about the agency" });
    expect(r.data.recallPlacement).toMatchObject({ status: "RECALLED", endReason: "Borrower complained about the agency" });
    expect(codes(await call(RECALL, { id, r: "again" }))).toEqual(["CONFLICT"]);
    expect(await activeCount(c)).toBe(0);
  });

  it("lets only the case's lender recall and only the holding agency return; to anyone else the placement does not exist", async () => {
    const [a, c] = [await agency(), await caseFact()];
    const { id } = (await call(PLACE, input(c, a))).data.placeCase;
    principal = lenderPrincipal(otherLender);
    expect(codes(await call(RECALL, { id, r: "mine now" }))).toEqual(["NOT_FOUND"]);
    principal = agencyPrincipal(uuidv7());
    expect(codes(await call(RETURN, { id, r: "not ours" }))).toEqual(["NOT_FOUND"]);
    principal = agencyPrincipal(a);
    expect((await call(RETURN, { id, r: "Borrower moved abroad" })).data.returnPlacement.status).toBe("RETURNED");
    principal = lenderPrincipal(lender);
  });

  it("completes the placement when the loans subgraph says the case is resolved", async () => {
    const [a, c] = [await agency(), await caseFact()];
    const { id } = (await call(PLACE, input(c, a))).data.placeCase;
    const resolved = caseEvent("CaseResolved", c, 2);
    await svc.ds.transaction(async (tx) => {
      await applyToCaseDirectory(tx, resolved);
      await caseResolvedHandler(clock)(resolved, tx);
    });
    const [row] = await svc.ds.query("SELECT status, ended_by FROM placement WHERE id = $1", [id]);
    expect(row).toEqual({ status: "COMPLETED", ended_by: "system" });
    const [fact] = await svc.ds.query("SELECT status FROM case_directory WHERE case_id = $1", [c]);
    expect(fact.status).toBe("RESOLVED");
  });
});

describe("scheduled jobs", () => {
  it("expires placements past their expiry and emits PlacementEnded", async () => {
    const [a, c] = [await agency(), await caseFact()];
    const { id } = (await call(PLACE, input(c, a, { expiresAt: "2026-11-26T00:00:00Z" }))).data.placeCase;
    expect(await expirePlacements(svc.ds, clock)).toBe(0);
    clock.set("2026-11-26T00:00:01Z");
    try {
      expect(await expirePlacements(svc.ds, clock)).toBeGreaterThanOrEqual(1);
      const [row] = await svc.ds.query("SELECT status, ended_by FROM placement WHERE id = $1", [id]);
      expect(row).toEqual({ status: "EXPIRED", ended_by: "system" });
      const [e] = await svc.ds.query("SELECT type FROM outbox WHERE aggregate_id = $1 ORDER BY seq DESC LIMIT 1", [id]);
      expect(e.type).toBe("PlacementEnded");
    } finally {
      clock.set("2026-11-25T10:00:00Z");
    }
  });

  it("clears its whole backlog in one run, more than one batch of it", async () => {
    const a = await agency({ capacity: 1200 });
    const soon = "2026-11-25T11:00:00Z";
    const cases = [];
    for (let i = 0; i < 520; i++) cases.push(await caseFact());
    for (const c of cases) expect((await call(PLACE, input(c, a, { expiresAt: soon }))).errors).toBeUndefined();
    clock.set("2026-11-25T11:00:00Z");
    try {
      expect(await expirePlacements(svc.ds, clock)).toBeGreaterThanOrEqual(520);
      expect((await svc.ds.query("SELECT count(*)::int AS n FROM placement WHERE agency_id = $1 AND status = 'ACTIVE'", [a]))[0].n).toBe(0);
      const [{ n }] = await svc.ds.query("SELECT count(*)::int AS n FROM case_directory_placement WHERE agency_id = $1 AND ended_at IS NULL", [a]);
      expect(n).toBe(0);
    } finally {
      clock.set("2026-11-25T10:00:00Z");
    }
  }, 120_000);

  it("suspends agencies whose licence review is overdue, ending every placement they hold", async () => {
    const overdue = await agency({ reviewDue: "2026-11-25" });
    const fine = await agency({ reviewDue: "2027-11-01" });
    const [c1, c2, c3] = [await caseFact(), await caseFact(), await caseFact()];
    const held = [(await call(PLACE, input(c1, overdue))).data.placeCase.id, (await call(PLACE, input(c2, overdue))).data.placeCase.id];
    const kept = (await call(PLACE, input(c3, fine))).data.placeCase.id;
    clock.set("2026-11-26T10:00:00Z");
    try {
      expect(await suspendOverdueAgencies(svc.ds, clock)).toBeGreaterThanOrEqual(1);
    } finally {
      clock.set("2026-11-25T10:00:00Z");
    }
    const rows = await svc.ds.query("SELECT id, status FROM agency WHERE id = ANY($1::uuid[])", [[overdue, fine]]);
    expect(Object.fromEntries(rows.map((r: any) => [r.id, r.status]))).toEqual({ [overdue]: "SUSPENDED", [fine]: "ACTIVE" });
    const placements = await svc.ds.query("SELECT id, status, ended_by FROM placement WHERE id = ANY($1::uuid[]) ORDER BY id", [[...held, kept]]);
    expect(Object.fromEntries(placements.map((r: any) => [r.id, r.status]))).toEqual({ [held[0]]: "RECALLED", [held[1]]: "RECALLED", [kept]: "ACTIVE" });
    const ended = await svc.ds.query("SELECT count(*)::int AS n FROM outbox WHERE type = 'PlacementEnded' AND aggregate_id = ANY($1)", [held]);
    expect(ended[0].n).toBe(2);
    // The agency's own directory ended its access in the same transaction.
    const open = await svc.ds.query("SELECT count(*)::int AS n FROM case_directory_placement WHERE placement_id = ANY($1) AND ended_at IS NULL", [held]);
    expect(open[0].n).toBe(0);
  });
});

describe("allocateCases", () => {
  const ALLOCATE = `mutation($input: AllocateCasesInput!) { allocateCases(input: $input) {
    placed { caseId agencyId placementId } unplaced { caseId reason } byAgency { agencyId placed activeAfter capacity } } }`;
  const terms = { expiresAt: "2027-02-01T00:00:00Z", commissionBps: 1500, maxDiscountBps: 1000, maxInstalments: 12 };
  const region = () => `Town-${uuidv7().slice(-8)}`;

  it("places across the agencies serving each region, balanced, never past capacity, and says why the rest stayed", async () => {
    const town = region();
    const elsewhere = region();
    const a = await agency({ capacity: 4, regions: [town] });
    const b = await agency({ capacity: 4, regions: [town] });
    const cases = [];
    for (let i = 0; i < 10; i++) cases.push(await caseFact({ region: town }));
    const lonely = await caseFact({ region: elsewhere });
    const r = await call(ALLOCATE, { input: { ...terms, regions: [town, elsewhere] } });
    expect(r.errors).toBeUndefined();
    const { placed, unplaced, byAgency } = r.data.allocateCases;
    expect(placed).toHaveLength(8);
    const per = (id: string) => placed.filter((p: any) => p.agencyId === id).length;
    expect([per(a), per(b)]).toEqual([4, 4]);
    expect(unplaced.filter((u: any) => u.reason === "CAPACITY_EXHAUSTED")).toHaveLength(2);
    expect(unplaced).toContainEqual({ caseId: lonely, reason: "NO_AGENCY_FOR_REGION" });
    expect(byAgency.filter((x: any) => [a, b].includes(x.agencyId)).every((x: any) => x.activeAfter <= x.capacity)).toBe(true);
    // Deterministic: cases in id order, alternating between the two equally loaded agencies.
    const sorted = [...cases].sort();
    expect(placed.map((p: any) => p.caseId)).toEqual(sorted.slice(0, 8));
    const [{ n }] = await svc.ds.query("SELECT count(*)::int AS n FROM outbox WHERE type = 'PlacementStarted' AND aggregate_id = ANY($1)", [placed.map((p: any) => p.placementId)]);
    expect(n).toBe(8);
    const envelopes = await svc.ds.query("SELECT envelope FROM outbox WHERE type = 'PlacementStarted' AND aggregate_id = ANY($1)", [placed.map((p: any) => p.placementId)]);
    expect(envelopes.map((r: any) => JSON.parse(r.envelope).payload.channels)).toEqual(Array(8).fill(["CALL"]));
  });

  it("never exceeds capacity or one ACTIVE placement per case when runs overlap", async () => {
    const town = region();
    const a = await agency({ capacity: 5, regions: [town] });
    for (let i = 0; i < 12; i++) await caseFact({ region: town });
    const runs = await Promise.all([1, 2, 3].map(() => call(ALLOCATE, { input: { ...terms, regions: [town] } })));
    expect(runs.flatMap((r) => r.errors ?? [])).toEqual([]);
    expect(runs.reduce((sum, r) => sum + r.data.allocateCases.placed.length, 0)).toBe(5);
    const [{ n }] = await svc.ds.query("SELECT count(*)::int AS n FROM placement WHERE agency_id = $1 AND status = 'ACTIVE'", [a]);
    expect(n).toBe(5);
    const [{ dup }] = await svc.ds.query(
      "SELECT count(*)::int AS dup FROM (SELECT case_id FROM placement WHERE status = 'ACTIVE' GROUP BY case_id HAVING count(*) > 1) d",
    );
    expect(dup).toBe(0);
  });

  it("takes a bucket only as a DelinquencyBucket: BOGUS is refused before execution and places nothing", async () => {
    const town = region();
    const a = await agency({ capacity: 10, regions: [town] });
    const early = await caseFact({ region: town, bucket: "DPD_1_30" });
    const late = await caseFact({ region: town, bucket: "DPD_61_90" });
    const placements = async () => (await svc.ds.query("SELECT count(*)::int AS n FROM placement WHERE agency_id = $1", [a]))[0].n;
    const bogus = await call(ALLOCATE, { input: { ...terms, regions: [town], bucket: "BOGUS" } });
    expect(bogus.status).toBe(400);
    expect(codes(bogus)).toEqual(["BAD_USER_INPUT"]);
    expect(bogus.errors![0]!.message).toContain('Value "BOGUS" does not exist in "DelinquencyBucket" enum');
    const inline = await call(`mutation { allocateCases(input: { bucket: BOGUS, expiresAt: "2027-02-01T00:00:00Z", commissionBps: 1500, maxDiscountBps: 1000, maxInstalments: 12 }) { placed { caseId } } }`);
    expect(inline.status).toBe(400);
    expect(codes(inline)).toEqual(["GRAPHQL_VALIDATION_FAILED"]);
    expect(await placements()).toBe(0);
    const r = await call(ALLOCATE, { input: { ...terms, regions: [town], bucket: "DPD_61_90" } });
    expect(r.errors).toBeUndefined();
    expect(r.data.allocateCases.placed.map((p: any) => p.caseId)).toEqual([late]);
    expect(r.data.allocateCases.unplaced.map((u: any) => u.caseId)).not.toContain(early);
  });

  it("refuses anyone but a lender, and bad terms", async () => {
    principal = agencyPrincipal(uuidv7());
    try {
      expect(codes(await call(ALLOCATE, { input: terms }))).toEqual(["FORBIDDEN"]);
    } finally {
      principal = lenderPrincipal(lender);
    }
    expect(codes(await call(ALLOCATE, { input: { ...terms, expiresAt: "2026-01-01T00:00:00Z" } }))).toEqual(["BAD_USER_INPUT"]);
  });
});
