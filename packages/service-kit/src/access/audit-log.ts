import { createHash } from "node:crypto";
import type { ApolloServerPlugin } from "@apollo/server";
import type { DataSource, EntityManager, MigrationInterface, QueryRunner } from "typeorm";
import { ERROR_CODES, type Principal } from "@concord/schema";
import { systemClock, type Clock } from "../clock";
import type { Logger } from "../logger";
import { uuidv7 } from "../ids";
import type { RequestAudit } from "./audit-sink";

/**
 * The audit log: append-only and hash-chained. Each record stores the previous record's hash
 * and its own SHA-256 over a canonical form of its fields, so changing, removing or reordering
 * any record breaks the chain from there on. Records carry ids, never PII.
 */

/** LEGAL_ESCALATION: a lender escalated a case to legal action (restructuring's escalateToLegal; its database allows the action). */
export type AuditAction = "FORBIDDEN" | "PII_REVEAL" | "LEGAL_ESCALATION";

export interface AuditEntry {
  action: AuditAction;
  /** GraphQL type and field concerned, for example Borrower.phone. */
  type: string;
  field: string;
  /** Id of the object concerned. */
  objectId?: string | null;
  /** Response path, for example collectionCase.borrower.phone. */
  path?: string | null;
  /** Extra ids and counts (case id, channel, how many objects a refusal covered); never PII. */
  detail?: AuditDetail | null;
}

/** What `detail` may hold: ids, counts, lists of ids. */
export type AuditDetail = Record<string, string | number | string[]>;

export const GENESIS_HASH = "0".repeat(64);

export interface AuditRecord extends AuditEntry {
  seq: number;
  id: string;
  occurredAt: string;
  actorSub: string;
  actorRole: string;
  actorOrg: string | null;
  requestId: string | null;
  prevHash: string;
  hash: string;
}

/** The exact bytes a record's hash covers. */
export function canonical(r: Omit<AuditRecord, "seq" | "hash">): string {
  return JSON.stringify([
    r.id, r.occurredAt, r.actorSub, r.actorRole, r.actorOrg, r.action, r.type, r.field,
    r.objectId ?? null, r.path ?? null, r.detail ?? null, r.requestId, r.prevHash,
  ]);
}

export const hashOf = (r: Omit<AuditRecord, "seq" | "hash">): string => createHash("sha256").update(canonical(r)).digest("hex");

/** The audit table, with triggers that refuse UPDATE and DELETE. */
export class AuditLog1764000003000 implements MigrationInterface {
  name = "AuditLog1764000003000";
  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE audit_log (
        seq bigserial PRIMARY KEY,
        id uuid NOT NULL UNIQUE,
        occurred_at timestamptz NOT NULL,
        actor_sub text NOT NULL,
        actor_role text NOT NULL,
        actor_org text,
        action text NOT NULL CHECK (action IN ('FORBIDDEN', 'PII_REVEAL')),
        subject_type text NOT NULL,
        subject_field text NOT NULL,
        object_id text,
        path text,
        detail jsonb,
        request_id text,
        prev_hash char(64) NOT NULL,
        hash char(64) NOT NULL UNIQUE
      );
      CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN RAISE EXCEPTION 'audit_log is append-only'; END $$;
      CREATE TRIGGER audit_log_no_update BEFORE UPDATE OR DELETE ON audit_log
        FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
      CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
        FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();
    `);
  }
  async down(q: QueryRunner): Promise<void> {
    await q.query("DROP TABLE audit_log; DROP FUNCTION audit_log_append_only()");
  }
}

const orgOf = (p: Principal) => p.lenderId ?? p.agencyId ?? p.borrowerId ?? null;

/**
 * PostgreSQL hands jsonb objects back with their keys sorted (shorter first, then bytewise),
 * whatever order they were written in; the hash is taken over that order so a record read back
 * hashes as it was written.
 */
export function jsonbOrder(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(jsonbOrder);
  if (v === null || typeof v !== "object") return v;
  const keys = Object.keys(v).sort((a, b) => Buffer.byteLength(a) - Buffer.byteLength(b) || Buffer.compare(Buffer.from(a), Buffer.from(b)));
  return Object.fromEntries(keys.map((k) => [k, jsonbOrder((v as Record<string, unknown>)[k])]));
}

/**
 * Appends entries for one principal, chained onto the last record, inside the caller's
 * transaction. Appenders take a transaction-scoped lock, so the chain has one line; the chain
 * is computed here after reading the last hash, and all of `entries` go in one INSERT.
 */
export async function appendAudit(
  tx: EntityManager,
  principal: Principal,
  requestId: string | null,
  entries: AuditEntry[],
  at: Date = new Date(),
): Promise<void> {
  if (entries.length === 0) return;
  await tx.query("SELECT pg_advisory_xact_lock(727300)");
  // A separate statement: in READ COMMITTED it sees every record committed before the lock was ours.
  const [last] = await tx.query("SELECT hash FROM audit_log ORDER BY seq DESC LIMIT 1");
  let prevHash: string = last?.hash ?? GENESIS_HASH;
  const occurredAt = at.toISOString();
  const actorOrg = orgOf(principal);
  const rows = entries.map((e) => {
    const r = {
      ...e,
      id: uuidv7(at.getTime()),
      occurredAt,
      actorSub: principal.sub,
      actorRole: principal.role,
      actorOrg,
      requestId,
      prevHash,
      objectId: e.objectId ?? null,
      path: e.path ?? null,
      detail: e.detail ? (jsonbOrder(e.detail) as AuditDetail) : null,
    };
    const hash = hashOf(r);
    prevHash = hash;
    return { ...r, hash };
  });
  const column = <K extends keyof (typeof rows)[number]>(k: K) => rows.map((r) => r[k]);
  // One statement whatever the number of rows (arrays, not one placeholder per value), in
  // chain order: seq is drawn row by row as the ordered rows are inserted.
  await tx.query(
    `INSERT INTO audit_log (id, occurred_at, actor_sub, actor_role, actor_org, action, subject_type, subject_field,
       object_id, path, detail, request_id, prev_hash, hash)
     SELECT r.id, $1::timestamptz, $2::text, $3::text, $4::text, r.action, r.subject_type, r.subject_field,
            r.object_id, r.path, r.detail::jsonb, $5::text, r.prev_hash, r.hash
       FROM unnest($6::uuid[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[], $12::text[], $13::text[], $14::text[])
            WITH ORDINALITY AS r(id, action, subject_type, subject_field, object_id, path, detail, prev_hash, hash, n)
      ORDER BY r.n`,
    [
      occurredAt, principal.sub, principal.role, actorOrg, requestId,
      column("id"), column("action"), column("type"), column("field"), column("objectId"), column("path"),
      rows.map((r) => (r.detail ? JSON.stringify(r.detail) : null)), column("prevHash"), column("hash"),
    ],
  );
}

export function auditFromRow(r: Record<string, any>): AuditRecord {
  return {
    seq: Number(r.seq),
    id: r.id,
    occurredAt: new Date(r.occurred_at).toISOString(),
    actorSub: r.actor_sub,
    actorRole: r.actor_role,
    actorOrg: r.actor_org,
    action: r.action,
    type: r.subject_type,
    field: r.subject_field,
    objectId: r.object_id,
    path: r.path,
    detail: r.detail,
    requestId: r.request_id,
    prevHash: r.prev_hash,
    hash: r.hash,
  };
}

/** Walks the whole chain; returns the first broken record, or null when the chain holds. */
export async function verifyAuditChain(
  db: DataSource,
  batch = 5000,
): Promise<{ checked: number; broken: null | { seq: number; id: string; reason: string } }> {
  let prev = GENESIS_HASH;
  let after = 0;
  let checked = 0;
  for (;;) {
    const rows: Record<string, any>[] = await db.query("SELECT * FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2", [after, batch]);
    if (rows.length === 0) return { checked, broken: null };
    for (const row of rows) {
      const r = auditFromRow(row);
      if (r.prevHash !== prev) return { checked, broken: { seq: r.seq, id: r.id, reason: "prev_hash does not match the record before it" } };
      const { seq: _s, hash: _h, ...rest } = r;
      if (hashOf(rest) !== r.hash) return { checked, broken: { seq: r.seq, id: r.id, reason: "hash does not match the record's contents" } };
      prev = r.hash;
      after = r.seq;
      checked++;
    }
  }
}

/**
 * Apollo plugin: appends what a request's {@link RequestAudit} gathered (its refusals and its PII
 * reveals) once its response is ready, in one transaction and one INSERT. A reveal that cannot
 * be recorded is not made: the response's data is withheld.
 */
export function auditFlushPlugin<C extends { audit: RequestAudit; principal: Principal; requestId: string }>(
  ds: DataSource,
  logger: Logger,
  clock: Clock = systemClock,
): ApolloServerPlugin<C> {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ contextValue, response }) {
          const entries = contextValue.audit?.drain() ?? [];
          if (entries.length === 0) return;
          try {
            await ds.transaction((tx) => appendAudit(tx, contextValue.principal, contextValue.requestId, entries, clock.now()));
          } catch (err) {
            logger.error({ err, requestId: contextValue.requestId, entries: entries.length }, "could not append to the audit log");
            if (entries.some((e) => e.action === "PII_REVEAL") && response.body.kind === "single") {
              response.body.singleResult = {
                errors: [{ message: "Internal server error", extensions: { code: ERROR_CODES.INTERNAL_SERVER_ERROR } }],
              };
            }
          }
        },
      };
    },
  };
}
