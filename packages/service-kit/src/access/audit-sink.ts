import type { AuditDetail, AuditEntry } from "./audit-log";

/**
 * What one request puts in the audit log, gathered while it runs and appended when its response
 * is ready (see `auditFlushPlugin`).
 *
 * Refusals are counted, not listed: a query that is refused one field on ten thousand objects
 * writes one FORBIDDEN row for that (type, field) with the count and the first few object ids,
 * so no caller can turn refusals into an avalanche of audit rows. Reveals of PII are one row per
 * (type, field, object): each is a disclosure an auditor must be able to find.
 */

/** How many object ids a refusal row names: enough to find the objects, never a dump of them. */
export const REFUSAL_SAMPLE_IDS = 5;

/** One refused field instance. */
export interface RefusalSubject {
  /** GraphQL type and field refused, for example Borrower.nationalId. */
  type: string;
  field: string;
  /** Response path of this instance. */
  path: string;
  /** Id of the object refused, when it has one. */
  objectId?: string;
}

/** One value of PII shown to the caller. */
export interface RevealSubject {
  type: string;
  field: string;
  /** Id of the object whose value was shown (the borrower). */
  objectId: string;
  path?: string;
  /** Extra ids (case id, channel); never PII. */
  detail?: AuditDetail;
}

interface Refusal {
  type: string;
  field: string;
  path: string;
  count: number;
  objectIds: string[];
}

export class RequestAudit {
  /** Refusals by type.field and reveals by (type, field, object, detail), in first-seen order. */
  private readonly rows = new Map<string, Refusal | AuditEntry>();

  /** Counts one refused field instance against its (type, field). */
  forbidden(e: RefusalSubject): void {
    const key = `F ${e.type}.${e.field}`;
    let r = this.rows.get(key) as Refusal | undefined;
    if (!r) this.rows.set(key, (r = { type: e.type, field: e.field, path: e.path, count: 0, objectIds: [] }));
    r.count++;
    if (e.objectId && r.objectIds.length < REFUSAL_SAMPLE_IDS && !r.objectIds.includes(e.objectId)) r.objectIds.push(e.objectId);
  }

  /** Records that the caller was shown one value of PII; the same value twice in a request is one reveal. */
  reveal(e: RevealSubject): void {
    const key = `R ${JSON.stringify([e.type, e.field, e.objectId, e.detail ?? null])}`;
    if (this.rows.has(key)) return;
    this.rows.set(key, { action: "PII_REVEAL", type: e.type, field: e.field, objectId: e.objectId, path: e.path ?? null, detail: e.detail ?? null });
  }

  /**
   * The audit entries gathered so far, and forgets them: one PII_REVEAL per revealed value; one
   * FORBIDDEN per refused (type, field), naming its first object and path, with `detail.count`
   * (the refused instances) and `detail.objectIds` (the first {@link REFUSAL_SAMPLE_IDS}).
   */
  drain(): AuditEntry[] {
    const out: AuditEntry[] = [];
    for (const [key, row] of this.rows) {
      if (!key.startsWith("F ")) {
        out.push(row as AuditEntry);
        continue;
      }
      const r = row as Refusal;
      out.push({
        action: "FORBIDDEN",
        type: r.type,
        field: r.field,
        objectId: r.objectIds[0] ?? null,
        path: r.path,
        detail: { count: r.count, objectIds: r.objectIds },
      });
    }
    this.rows.clear();
    return out;
  }
}
