import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { childEnv, FixedClock, isUuid, newEvent, QueryCounter, repoRoot, subjectOf, uuidv7, verifyAuditChain } from "@concord/service-kit";
import { seedDemoPortfolio } from "@concord/loans";
import { seedDemoAgencies } from "@concord/agencies";
import { codes, until } from "@concord/test-kit";
import { startFederation, type Federation } from "../support/federation";

let fed: Federation;
const clock = new FixedClock(new Date("2026-11-25T10:00:00Z")); // 10:00 in London
let caseId: string;
let borrowerPhone: string;
let agencyId: string;
let lenderId: string;
const counter = new QueryCounter();

beforeAll(async () => {
  fed = await startFederation({ clock, counter });
  await seedDemoPortfolio(fed.loans.ds, { asOf: "2026-11-25", borrowers: 40 }, clock);
  const [c] = await fed.loans.ds.query(
    `SELECT c.id, c.lender_id, b.phone FROM collection_case c JOIN borrower b ON b.id = c.borrower_id
      WHERE b.timezone = 'Europe/London' AND c.status = 'OPEN' ORDER BY c.id LIMIT 1`,
  );
  caseId = c.id;
  borrowerPhone = c.phone;
  lenderId = c.lender_id;
  agencyId = uuidv7();
  const placementId = uuidv7();
  const e = newEvent(
    { type: "PlacementStarted", aggregateType: "Placement", aggregateId: placementId, lenderId, payload: { placementId, caseId, agencyId, placedAt: clock.now().toISOString(), expiresAt: "2027-01-01T00:00:00Z" } },
    clock.now(),
  );
  await fed.bus.publish([{ id: e.id, subject: subjectOf(e), data: JSON.stringify(e) }]);
  for (let i = 0; i < 200 && !(await fed.loans.ds.query("SELECT 1 FROM case_directory_placement WHERE agency_id = $1", [agencyId])).length; i++) {
    await new Promise((r) => setTimeout(r, 50));
  }
});
afterAll(async () => fed?.stop());

const REVEAL = `mutation($id: ID!, $ch: ContactChannel!) { revealContact(caseId: $id, channel: $ch) { value channel revealedAt } }`;
const auditor = () => fed.token({ role: "auditor" });
const entries = async () =>
  (await fed.query(`{ auditEntries(first: 500) { entries { sequence action actorRole actorOrg subject objectId hash prevHash } } }`, {}, await auditor())).data
    .auditEntries.entries as Array<Record<string, any>>;

describe("revealContact", () => {
  it("gives the agency holding the case the full phone inside contact hours, and audits it", async () => {
    clock.set("2026-11-25T10:00:00Z");
    const token = await fed.token({ role: "agency", agency_id: agencyId });
    const r = await fed.query(REVEAL, { id: caseId, ch: "CALL" }, token);
    expect(r.errors).toBeUndefined();
    expect(r.data.revealContact.value).toBe(borrowerPhone);
    const reveal = (await entries()).filter((e) => e.action === "PII_REVEAL" && e.actorOrg === agencyId);
    expect(reveal).toHaveLength(1);
    expect(reveal[0]).toMatchObject({ subject: "Borrower.phone", actorRole: "agency" });
    expect(JSON.stringify(reveal)).not.toContain(borrowerPhone);
  });

  it("refuses outside contact hours in the borrower's time zone", async () => {
    clock.set("2026-11-25T21:30:00Z"); // 21:30 in London
    const r = await fed.query(REVEAL, { id: caseId, ch: "CALL" }, await fed.token({ role: "agency", agency_id: agencyId }));
    expect(codes(r)).toEqual(["FORBIDDEN"]);
    expect(r.data?.revealContact ?? null).toBeNull();
    clock.set("2026-11-25T10:00:00Z");
  });

  it("refuses an agency that never held the case as if there were no such case", async () => {
    const r = await fed.query(REVEAL, { id: caseId, ch: "EMAIL" }, await fed.token({ role: "agency", agency_id: uuidv7() }));
    expect(codes(r)).toEqual(["NOT_FOUND"]);
    expect(r.data?.revealContact ?? null).toBeNull();
  });
});

/** The loans audit rows `actorOrg` wrote (the GraphQL audit trail does not show `detail`). */
const rowsOf = async (actorOrg: string | null, requestId?: string): Promise<Array<Record<string, any>>> =>
  fed.loans.ds.query(
    `SELECT action, subject_type || '.' || subject_field AS subject, object_id, path, detail, request_id FROM audit_log
      WHERE actor_org IS NOT DISTINCT FROM $1 AND ($2::text IS NULL OR request_id = $2) ORDER BY seq`,
    [actorOrg, requestId ?? null],
  );

describe("refusals in the audit log", () => {
  it("are one row per request and refused (type, field), with the count of objects refused, written in one INSERT", async () => {
    const PAGE = `{ collectionCases(first: 500) { edges { node { id daysPastDue bucket amountOverdue { amountMinor }
      borrower { id fullName nationalId phone email address } } } } }`;
    const before = (await fed.loans.ds.query("SELECT count(*)::int AS n FROM audit_log"))[0].n;
    counter.reset();
    const r = await fed.query(PAGE, {}, await auditor());
    const cases = r.data.collectionCases.edges.map((e: any) => e.node.id);
    expect(cases.length).toBeGreaterThan(10);
    // Every case refused eight fields: a FORBIDDEN error for each, for the caller...
    expect(r.errors).toHaveLength(cases.length * 8);
    expect(counter.statements.filter((q) => /INSERT INTO audit_log/.test(q))).toHaveLength(1);
    // ...and eight audit rows, each counting its refusals.
    const rows = await fed.loans.ds.query("SELECT subject_type || '.' || subject_field AS subject, object_id, detail, request_id FROM audit_log ORDER BY seq OFFSET $1", [before]);
    expect(rows.map((x: any) => x.subject).sort()).toEqual(
      ["Borrower.address", "Borrower.email", "Borrower.fullName", "Borrower.nationalId", "Borrower.phone", "CollectionCase.amountOverdue", "CollectionCase.bucket", "CollectionCase.daysPastDue"],
    );
    for (const row of rows) {
      expect(row.detail.count).toBe(cases.length);
      expect(row.detail.objectIds).toHaveLength(5);
      expect(row.detail.objectIds).toContain(row.object_id);
      expect(row.request_id).toBe(rows[0].request_id);
    }
    expect(rows.find((x: any) => x.subject === "CollectionCase.daysPastDue").detail.objectIds).toEqual(cases.slice(0, 5));
    expect(await verifyAuditChain(fed.loans.ds)).toMatchObject({ broken: null });
  });
});

describe("request ids in the audit log", () => {
  it("are the gateway's own: an x-request-id the caller sends is not what its audit rows carry", async () => {
    const other = uuidv7();
    const res = await fetch(fed.gatewayUrl, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        authorization: `Bearer ${await fed.token({ role: "agency", agency_id: other })}`,
        "x-request-id": "chosen-by-the-caller",
      },
      body: JSON.stringify({ query: `{ collectionCase(id: "${caseId}") { id } }` }),
    });
    // To the caller a case it may not know of is no case; to the audit log, a refusal.
    expect(codes((await res.json()) as any)).toEqual(["NOT_FOUND"]);
    const gatewayId = res.headers.get("x-request-id")!;
    expect(gatewayId).not.toBe("chosen-by-the-caller");
    expect(isUuid(gatewayId)).toBe(true);
    const rows = await rowsOf(other);
    expect(rows).toEqual([expect.objectContaining({ action: "FORBIDDEN", subject: "CollectionCase.collectionCase", request_id: gatewayId })]);
  });
});

describe("reveals of the borrower's address", () => {
  let agency: string;
  let agencyId: string;
  let visitCase: string;
  let borrowerId: string;

  beforeAll(async () => {
    // The agencies subgraph needs its case facts to place cases; the demo seed places about half.
    const [{ n }] = await fed.loans.ds.query("SELECT count(*)::int AS n FROM collection_case");
    await until(async () => (await fed.agencies.ds.query("SELECT count(*)::int AS n FROM case_directory"))[0].n === n, "the case directory");
    ({ demoAgencyId: agencyId } = await seedDemoAgencies(fed.agencies.ds, clock));
    agency = await fed.token({ role: "agency", agency_id: agencyId });
    // Not the case of the demo's own approved visit, whose window is open already.
    const [held] = await fed.agencies.ds.query(
      `SELECT case_id, lender_id FROM placement p WHERE agency_id = $1 AND status = 'ACTIVE' AND case_id <> $2
          AND NOT EXISTS (SELECT 1 FROM home_visit h WHERE h.case_id = p.case_id) ORDER BY case_id LIMIT 1`,
      [agencyId, caseId],
    );
    visitCase = held.case_id;
    [{ borrower_id: borrowerId }] = await fed.loans.ds.query("SELECT borrower_id FROM collection_case WHERE id = $1", [visitCase]);
    await until(async () => !(await fed.query(`{ collectionCase(id: "${visitCase}") { id } }`, {}, agency)).errors, "the placement in loans");
    const [agent] = await fed.agencies.ds.query("SELECT id FROM agent WHERE agency_id = $1 LIMIT 1", [agencyId]);
    const asked = await fed.query(`mutation($i: RequestHomeVisitInput!) { requestHomeVisit(input: $i) { id } }`, {
      i: { caseId: visitCase, agentId: agent.id, reason: "No answer by phone for 30 days", windowStart: "2026-11-25T11:00:00Z", windowEnd: "2026-11-25T13:00:00Z" },
    }, agency);
    const visitId = asked.data.requestHomeVisit.id;
    const lenderOfCase = await fed.token({ role: "lender", lender_id: held.lender_id });
    expect((await fed.query(`mutation { approveHomeVisit(visitId: "${visitId}") { status } }`, {}, lenderOfCase)).data.approveHomeVisit.status).toBe("APPROVED");
    expect((await fed.query(`mutation { confirmHomeVisit(visitId: "${visitId}") { status } }`, {}, agency)).data.confirmHomeVisit.status).toBe("SCHEDULED");
  });

  const ADDRESS = () => `{ collectionCase(id: "${visitCase}") { borrower { id fullName phone address } } }`;

  it("are refused (and audited as refusals) before the window opens", async () => {
    expect(codes(await fed.query(ADDRESS(), {}, agency))).toEqual(["FORBIDDEN"]);
    expect((await rowsOf(agencyId)).filter((x) => x.action === "PII_REVEAL" && x.subject === "Borrower.address")).toEqual([]);
  });

  it("are audited as PII_REVEAL of (Borrower.address, borrower) for each read inside an approved window, like the name; the masked phone is not", async () => {
    clock.set("2026-11-25T12:00:00Z");
    try {
      let seen: any;
      // The approval reaches loans by event; until it has, the address is refused.
      await until(async () => !(seen = await fed.query(ADDRESS(), {}, agency)).errors, "the visit window in loans", 30_000, 100);
      expect(seen.data.collectionCase.borrower.address).toBeTruthy();
      expect(seen.data.collectionCase.borrower.phone).toMatch(/\*\*\*\*/);
      const again = await fed.query(`{ a: borrower(id: "${borrowerId}") { address } b: borrower(id: "${borrowerId}") { address } }`, {}, agency);
      expect(again.errors).toBeUndefined();
    } finally {
      clock.set("2026-11-25T10:00:00Z");
    }
    const reveals = (await rowsOf(agencyId)).filter((x) => x.action === "PII_REVEAL");
    // One per request that showed it (the same address twice in a request is one reveal).
    const addresses = reveals.filter((x) => x.subject === "Borrower.address");
    expect(addresses).toEqual([
      expect.objectContaining({ object_id: borrowerId, path: "collectionCase.borrower.address" }),
      expect.objectContaining({ object_id: borrowerId, path: expect.stringMatching(/^[ab]\.address$/) }),
    ]);
    expect(addresses[0].request_id).not.toBe(addresses[1].request_id);
    // The name is borrower PII too (one reveal per request that showed it); the masked phone reveals nothing.
    const others = reveals.filter((x) => x.subject !== "Borrower.address");
    expect(others.every((x) => x.subject === "Borrower.fullName" && x.object_id === borrowerId)).toBe(true);
    expect(others.filter((x) => x.request_id === addresses[0].request_id)).toHaveLength(1);
    expect(others.filter((x) => x.request_id === addresses[1].request_id)).toHaveLength(0);
    expect(JSON.stringify(reveals)).not.toContain(String((await fed.loans.ds.query("SELECT address FROM borrower WHERE id = $1", [borrowerId]))[0].address));
    expect(await verifyAuditChain(fed.loans.ds)).toMatchObject({ broken: null });
  });
});

describe("one audit trail across the subgraphs", () => {
  const TRAIL = `query($first: Int, $after: String) { auditEntries(first: $first, after: $after) {
    endCursor entries { id subgraph sequence occurredAt action actorRole actorOrg subject objectId prevHash hash } } }`;
  type Entry = { id: string; subgraph: string; sequence: number; occurredAt: string; actorOrg: string | null; subject: string; prevHash: string; hash: string };
  /** Every page of the trail, `first` at a time. */
  const walk = async (first: number): Promise<Entry[]> => {
    const seen: Entry[] = [];
    let after: string | null = null;
    for (let pages = 0; pages < 1000; pages++) {
      const r: any = await fed.query(TRAIL, { first, after }, await auditor());
      expect(r.errors).toBeUndefined();
      expect(r.data.auditEntries.entries.length).toBeLessThanOrEqual(first);
      seen.push(...r.data.auditEntries.entries);
      if (!(after = r.data.auditEntries.endCursor)) return seen;
    }
    throw new Error("the trail never ended");
  };

  it("shows the auditor the agencies subgraph's entries beside the loans subgraph's, each naming its subgraph", async () => {
    // Refused in the agencies subgraph: an agency may not place cases, a lender may not approve another lender's visit.
    const refusedAgency = uuidv7();
    const placing = await fed.query(
      `mutation($i: PlaceCaseInput!) { placeCase(input: $i) { id } }`,
      { i: { caseId, agencyId, expiresAt: "2027-01-01T00:00:00Z", commissionBps: 1, maxDiscountBps: 1, maxInstalments: 1 } },
      await fed.token({ role: "agency", agency_id: refusedAgency }),
    );
    expect(codes(placing)).toEqual(["FORBIDDEN"]);
    const trail = await walk(500);
    const agencies = trail.filter((e) => e.subgraph === "agencies");
    expect(agencies).toContainEqual(expect.objectContaining({ subgraph: "agencies", action: "FORBIDDEN", actorRole: "agency", actorOrg: refusedAgency, subject: "Mutation.placeCase" }));
    expect(trail.filter((e) => e.subgraph === "loans").length).toBeGreaterThan(0);
    expect(new Set(trail.map((e) => e.subgraph))).toEqual(new Set(["loans", "agencies"]));
    // Everything each subgraph's log holds, once.
    for (const s of ["loans", "agencies"] as const) {
      const [{ n }] = await fed.subgraphs[s]!.ds.query("SELECT count(*)::int AS n FROM audit_log");
      expect(trail.filter((e) => e.subgraph === s), s).toHaveLength(n);
    }
  });

  it("pages through every chain exactly once, in chain order, so that each chain checks from the trail alone", async () => {
    const whole = await walk(500);
    const paged = await walk(3);
    expect(paged.map((e) => e.id)).toEqual(whole.map((e) => e.id));
    for (const s of ["loans", "agencies"]) {
      const chain = paged.filter((e) => e.subgraph === s);
      expect(chain.map((e) => e.sequence)).toEqual(chain.map((_, i) => i + 1));
      chain.forEach((e, i) => expect(e.prevHash, `${s} #${e.sequence}`).toBe(i === 0 ? "0".repeat(64) : chain[i - 1]!.hash));
    }
    // A cursor from before the trail spanned subgraphs (loans' sequence only) still reads.
    const legacy = Buffer.from(JSON.stringify({ seq: 1 })).toString("base64url");
    const r = await fed.query(TRAIL, { first: 500, after: legacy }, await auditor());
    expect(r.errors).toBeUndefined();
    expect(r.data.auditEntries.entries.map((e: Entry) => e.id)).toEqual(whole.filter((e) => !(e.subgraph === "loans" && e.sequence === 1)).map((e) => e.id));
    expect(codes(await fed.query(TRAIL, { after: Buffer.from(JSON.stringify({ nowhere: 1 })).toString("base64url") }, await auditor()))).toEqual(["BAD_USER_INPUT"]);
    expect(codes(await fed.query(TRAIL, { first: 501 }, await auditor()))).toEqual(["BAD_USER_INPUT"]);
  });

  it("is verified chain by chain by npm run audit:verify", () => {
    const r = spawnSync(process.execPath, ["--import", "tsx", "scripts/audit-verify.ts"], {
      cwd: repoRoot,
      env: childEnv({ LOANS_DATABASE_URL: fed.databases.loans!.url, AGENCIES_DATABASE_URL: fed.databases.agencies!.url, DATABASE_URL: "" }),
      encoding: "utf8",
    });
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/loans: \d+ records, chain intact/);
    expect(r.stdout).toMatch(/agencies: [1-9]\d* records, chain intact/);
  });
});

describe("the audit log", () => {
  it("records every refusal, those the caller is told are NOT_FOUND too, with ids and no PII", async () => {
    const other = uuidv7();
    const token = await fed.token({ role: "agency", agency_id: other });
    const r = await fed.query(`{ collectionCase(id: "${caseId}") { id } }`, {}, token);
    expect(codes(r)).toEqual(["NOT_FOUND"]);
    const mine = (await entries()).filter((e) => e.actorOrg === other);
    expect(mine).toEqual([expect.objectContaining({ action: "FORBIDDEN", subject: "CollectionCase.collectionCase", objectId: caseId })]);
  });

  it("is readable by auditors only", async () => {
    const r = await fed.query(`{ auditEntries { entries { id } } }`, {}, await fed.token({ role: "lender", lender_id: lenderId }));
    expect(codes(r)).toEqual(["FORBIDDEN"]);
  });

  it("refuses updates and deletes", async () => {
    await expect(fed.loans.ds.query("UPDATE audit_log SET actor_role = 'lender'")).rejects.toThrow(/append-only/);
    await expect(fed.loans.ds.query("DELETE FROM audit_log")).rejects.toThrow(/append-only/);
  });

  it("holds as a chain, and names the first record someone tampered with", async () => {
    const before = await verifyAuditChain(fed.loans.ds);
    expect(before.broken).toBeNull();
    expect(before.checked).toBeGreaterThanOrEqual(3);
    const verify = () =>
      spawnSync(process.execPath, ["--import", "tsx", "scripts/audit-verify.ts"], {
        cwd: repoRoot,
        env: childEnv({ LOANS_DATABASE_URL: fed.databases.loans!.url, DATABASE_URL: "" }),
        encoding: "utf8",
      });
    const ok = verify();
    expect(ok.status).toBe(0);
    expect(ok.stdout).toMatch(/loans: \d+ records, chain intact/);

    // Someone with the database's owner rights rewrites the second record.
    const [second] = await fed.loans.ds.query("SELECT seq, id FROM audit_log ORDER BY seq OFFSET 1 LIMIT 1");
    await fed.loans.ds.query("ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update");
    await fed.loans.ds.query("UPDATE audit_log SET actor_org = 'someone-else' WHERE seq = $1", [second.seq]);
    await fed.loans.ds.query("ALTER TABLE audit_log ENABLE TRIGGER audit_log_no_update");
    const after = await verifyAuditChain(fed.loans.ds);
    expect(after.broken).toMatchObject({ seq: Number(second.seq), id: second.id });
    const bad = verify();
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain(`BROKEN at record #${second.seq} (${second.id})`);
  });
});
