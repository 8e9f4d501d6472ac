import { createHash } from "node:crypto";
import type { ApolloServerPlugin } from "@apollo/server";
import type { DataSource, EntityManager, MigrationInterface, QueryRunner } from "typeorm";
import type { Logger } from "../logger";
import type { Principal } from "@concord/schema";
import { uuidv7 } from "../ids";

/**
 * The audit log: append-only and hash-chained. Each record stores the previous record's hash
 * and its own SHA-256 over a canonical form of its fields, so changing, removing or reordering
 * any record breaks the chain from there on. Records carry ids, never PII.
 */

export type AuditAction = "FORBIDDEN" | "PII_REVEAL";

export interface AuditEntry {
  action: AuditAction;
  /** GraphQL type and field concerned, for example Borrower.phone. */
  type: string;
  field: string;
  /** Id of the object concerned. */
  objectId?: string | null;
  /** Response path, for example collectionCase.borrower.phone. */
  path?: string | null;
  /** Extra ids (case id, channel); never PII. */
  detail?: Record<string, string> | null;
}

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
 * Appends entries for one principal, chained onto the last record, inside the caller's
 * transaction (a PII reveal and its record commit together). Appenders take a
 * transaction-scoped lock, so the chain has one line.
 */
export async function appendAudit(
  tx: EntityManager,
  principal: Principal,
  requestId: string | null,
  entries: AuditEntry[],
  at: Date = new Date(),
): Promise<void> {
  if (entries.length === 0) return;
  {
    await tx.query("SELECT pg_advisory_xact_lock(727300)");
    const [last] = await tx.query("SELECT hash FROM audit_log ORDER BY seq DESC LIMIT 1");
    let prevHash: string = last?.hash ?? GENESIS_HASH;
    for (const e of entries) {
      const r = {
        ...e,
        id: uuidv7(at.getTime()),
        occurredAt: at.toISOString(),
        actorSub: principal.sub,
        actorRole: principal.role,
        actorOrg: orgOf(principal),
        requestId,
        prevHash,
        objectId: e.objectId ?? null,
        path: e.path ?? null,
        detail: e.detail ?? null,
      };
      const hash = hashOf(r);
      await tx.query(
        `INSERT INTO audit_log (id, occurred_at, actor_sub, actor_role, actor_org, action, subject_type, subject_field,
           object_id, path, detail, request_id, prev_hash, hash)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`,
        [r.id, r.occurredAt, r.actorSub, r.actorRole, r.actorOrg, r.action, r.type, r.field, r.objectId, r.path,
          r.detail ? JSON.stringify(r.detail) : null, r.requestId, r.prevHash, hash],
      );
      prevHash = hash;
    }
  }
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

/** Apollo plugin: appends the refusals a request gathered in `context.audit` once its response is ready. */
export function auditFlushPlugin<C extends { audit?: AuditEntry[]; principal: Principal; requestId: string }>(
  ds: DataSource,
  logger: Logger,
): ApolloServerPlugin<C> {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ contextValue }) {
          const entries = contextValue.audit?.splice(0) ?? [];
          if (entries.length === 0) return;
          try {
            await ds.transaction((tx) => appendAudit(tx, contextValue.principal, contextValue.requestId, entries));
          } catch (err) {
            logger.error({ err, requestId: contextValue.requestId }, "could not append to the audit log");
          }
        },
      };
    },
  };
}
