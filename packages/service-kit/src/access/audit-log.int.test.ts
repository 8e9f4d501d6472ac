import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DataSource } from "typeorm";
import type { Principal } from "@concord/schema";
import { freshDatabase } from "../testing/test-database";
import { createDataSource, migrate, QueryCounter } from "../data-source";
import { uuidv7 } from "../ids";
import { appendAudit, AuditLog1764000003000, GENESIS_HASH, hashOf, verifyAuditChain, type AuditEntry } from "./audit-log";
import { RequestAudit } from "./audit-sink";

const counter = new QueryCounter();
let ds: DataSource;
let drop: () => Promise<void>;
const auditor: Principal = { sub: "auditor-user", role: "auditor", scope: [] };
const agency: Principal = { sub: "agent-1", role: "agency", agencyId: "0194f0aa-0000-7000-8000-000000000001", scope: [] };

beforeAll(async () => {
  const db = await freshDatabase("audit");
  drop = db.drop;
  ds = await createDataSource({ url: db.url, migrations: [AuditLog1764000003000], counter });
  await migrate(ds);
});
afterAll(async () => {
  await ds?.destroy();
  await drop?.();
});

/** A record as the appender before multi-row inserts wrote it: one INSERT of one row. */
async function appendTheOldWay(principal: Principal, e: AuditEntry, requestId: string) {
  await ds.transaction(async (tx) => {
    await tx.query("SELECT pg_advisory_xact_lock(727300)");
    const [last] = await tx.query("SELECT hash FROM audit_log ORDER BY seq DESC LIMIT 1");
    const at = new Date();
    const r = {
      ...e, id: uuidv7(at.getTime()), occurredAt: at.toISOString(), actorSub: principal.sub, actorRole: principal.role,
      actorOrg: principal.agencyId ?? null, requestId, prevHash: last?.hash ?? GENESIS_HASH,
      objectId: e.objectId ?? null, path: e.path ?? null, detail: e.detail ?? null,
    };
    await tx.query(
      `INSERT INTO audit_log (id, occurred_at, actor_sub, actor_role, actor_org, action, subject_type, subject_field,
         object_id, path, detail, request_id, prev_hash, hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`,
      [r.id, r.occurredAt, r.actorSub, r.actorRole, r.actorOrg, r.action, r.type, r.field, r.objectId, r.path,
        r.detail ? JSON.stringify(r.detail) : null, r.requestId, r.prevHash, hashOf(r)],
    );
  });
}

const inserts = () => counter.statements.filter((s) => /INSERT INTO audit_log/.test(s));

describe("appendAudit", () => {
  it("writes all of a request's rows in one INSERT, chained onto records written before, and the chain verifies", async () => {
    await appendTheOldWay(agency, { action: "PII_REVEAL", type: "Borrower", field: "phone", objectId: "b0", path: "revealContact", detail: { caseId: "c0", channel: "CALL" } }, "old-1");
    await appendTheOldWay(auditor, { action: "FORBIDDEN", type: "CollectionCase", field: "collectionCase", objectId: "c0", path: "collectionCase" }, "old-2");

    // An auditor's page of 500 cases, each refused three fields: three rows, not 1,500.
    const audit = new RequestAudit();
    for (let i = 0; i < 500; i++) {
      for (const field of ["daysPastDue", "bucket", "amountOverdue"]) {
        audit.forbidden({ type: "CollectionCase", field, path: `collectionCases.edges.${i}.node.${field}`, objectId: `case-${i}` });
      }
    }
    counter.reset();
    await ds.transaction((tx) => appendAudit(tx, auditor, "req-many", audit.drain()));
    expect(inserts()).toHaveLength(1);
    const rows = await ds.query("SELECT subject_type, subject_field, object_id, detail, request_id FROM audit_log WHERE request_id = 'req-many' ORDER BY seq");
    expect(rows).toEqual(
      ["daysPastDue", "bucket", "amountOverdue"].map((field) => ({
        subject_type: "CollectionCase",
        subject_field: field,
        object_id: "case-0",
        detail: { count: 500, objectIds: ["case-0", "case-1", "case-2", "case-3", "case-4"] },
        request_id: "req-many",
      })),
    );
    expect(await verifyAuditChain(ds)).toEqual({ checked: 5, broken: null });
  });

  it("keeps the chain's order across thousands of rows in one statement", async () => {
    const entries: AuditEntry[] = Array.from({ length: 5000 }, (_, i) => ({ action: "PII_REVEAL", type: "Borrower", field: "address", objectId: `b${i}`, path: `p.${i}` }));
    counter.reset();
    await ds.transaction((tx) => appendAudit(tx, agency, "req-5000", entries));
    expect(inserts()).toHaveLength(1);
    const ids = (await ds.query("SELECT object_id FROM audit_log WHERE request_id = 'req-5000' ORDER BY seq")).map((r: any) => r.object_id);
    expect(ids).toEqual(entries.map((e) => e.objectId));
    expect((await verifyAuditChain(ds, 700)).broken).toBeNull();
  });

  it("hashes detail as PostgreSQL gives it back, whatever order its keys were written in", async () => {
    await ds.transaction((tx) =>
      appendAudit(tx, agency, "req-order", [{ action: "FORBIDDEN", type: "T", field: "f", detail: { objectIds: ["x"], count: 1, channel: "CALL", caseId: "c" } }]),
    );
    expect((await verifyAuditChain(ds)).broken).toBeNull();
  });

  it("keeps one chain when requests append at the same time", async () => {
    const batch = (n: number, tag: string): AuditEntry[] => Array.from({ length: n }, (_, i) => ({ action: "FORBIDDEN", type: tag, field: `f${i}` }));
    await Promise.all(["A", "B", "C", "D"].map((tag) => ds.transaction((tx) => appendAudit(tx, agency, `req-${tag}`, batch(50, tag)))));
    const [{ n }] = await ds.query("SELECT count(*)::int AS n FROM audit_log WHERE request_id LIKE 'req-_'");
    expect(n).toBe(200);
    expect((await verifyAuditChain(ds)).broken).toBeNull();
  });

  it("writes nothing for a request that gathered nothing", async () => {
    counter.reset();
    await ds.transaction((tx) => appendAudit(tx, agency, "req-none", []));
    expect(counter.statements.filter((s) => /audit_log|advisory/.test(s))).toEqual([]);
  });
});
