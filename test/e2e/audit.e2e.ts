import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { childEnv, FixedClock, newEvent, repoRoot, subjectOf, uuidv7, verifyAuditChain } from "@concord/service-kit";
import { seedDemoPortfolio } from "@concord/loans";
import { codes } from "@concord/test-kit";
import { startFederation, type Federation } from "../support/federation";

let fed: Federation;
const clock = new FixedClock(new Date("2026-11-25T10:00:00Z")); // 10:00 in London
let caseId: string;
let borrowerPhone: string;
let agencyId: string;
let lenderId: string;

beforeAll(async () => {
  fed = await startFederation({ clock });
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

  it("refuses an agency without an active placement of the case", async () => {
    const r = await fed.query(REVEAL, { id: caseId, ch: "EMAIL" }, await fed.token({ role: "agency", agency_id: uuidv7() }));
    expect(codes(r)).toEqual(["FORBIDDEN"]);
  });
});

describe("the audit log", () => {
  it("records every FORBIDDEN, with ids and no PII", async () => {
    const other = uuidv7();
    const token = await fed.token({ role: "agency", agency_id: other });
    const r = await fed.query(`{ collectionCase(id: "${caseId}") { id } }`, {}, token);
    expect(codes(r)).toEqual(["FORBIDDEN"]);
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
