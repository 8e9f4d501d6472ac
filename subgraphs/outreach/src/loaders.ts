import DataLoader from "dataloader";
import type { DataSource } from "typeorm";
import { byIdLoader, groupedLoader } from "@concord/service-kit";
import { activityFromRow, violationFromRow, type Activity, type ComplianceViolation } from "./modules/activity/activity.type";
import { disputeFromRow, type Dispute } from "./modules/disputes/dispute.type";
import { hardshipFromRow, type Hardship } from "./modules/hardships/hardship.type";
import { complaintFromRow, complaintResponseFromRow, type Complaint, type ComplaintResponse } from "./modules/complaints/complaint.type";
import { promiseFromRow, type PromiseToPay } from "./modules/promises/promise.type";

/** A page of a case's activities, latest first: up to `first + 1` rows after the keyset position. */
export interface ActivityPageKey {
  caseId: string;
  first: number;
  after: { t: string; id: string } | null;
}

/** Per-request batching of every entity reference and list field. */
export interface Loaders {
  activity: DataLoader<string, Activity | null>;
  violation: DataLoader<string, ComplianceViolation | null>;
  violationsByActivity: DataLoader<string, ComplianceViolation[]>;
  /** Pages of many cases' activities in one statement (a page of cases each showing its latest). */
  activityPage: DataLoader<ActivityPageKey, Array<Record<string, any>>, string>;
  dispute: DataLoader<string, Dispute | null>;
  disputesByCase: DataLoader<string, Dispute[]>;
  hardship: DataLoader<string, Hardship | null>;
  hardshipsByCase: DataLoader<string, Hardship[]>;
  complaint: DataLoader<string, Complaint | null>;
  complaintsByCase: DataLoader<string, Complaint[]>;
  /** A complaint's responses, oldest first, each with its complaint's lender, borrower and case. */
  complaintResponses: DataLoader<string, ComplaintResponse[]>;
  promiseByActivity: DataLoader<string, PromiseToPay | null>;
  promisesByCase: DataLoader<string, PromiseToPay[]>;
}

export function createLoaders(ds: DataSource): Loaders {
  return {
    activity: byIdLoader(ds, "SELECT * FROM activity WHERE id = ANY($1::uuid[])", activityFromRow),
    violation: byIdLoader(ds, "SELECT * FROM activity_violation WHERE id = ANY($1::uuid[])", violationFromRow),
    violationsByActivity: groupedLoader(
      ds,
      "SELECT * FROM activity_violation WHERE activity_id = ANY($1::uuid[]) ORDER BY activity_id, id",
      "activity_id",
      violationFromRow,
    ),
    dispute: byIdLoader(ds, "SELECT * FROM dispute WHERE id = ANY($1::uuid[])", disputeFromRow),
    disputesByCase: groupedLoader(ds, "SELECT * FROM dispute WHERE case_id = ANY($1::uuid[]) ORDER BY case_id, raised_at, id", "case_id", disputeFromRow),
    hardship: byIdLoader(ds, "SELECT * FROM hardship WHERE id = ANY($1::uuid[])", hardshipFromRow),
    hardshipsByCase: groupedLoader(ds, "SELECT * FROM hardship WHERE case_id = ANY($1::uuid[]) ORDER BY case_id, declared_at, id", "case_id", hardshipFromRow),
    complaint: byIdLoader(ds, "SELECT * FROM complaint WHERE id = ANY($1::uuid[])", complaintFromRow),
    complaintsByCase: groupedLoader(ds, "SELECT * FROM complaint WHERE case_id = ANY($1::uuid[]) ORDER BY case_id, received_at, id", "case_id", complaintFromRow),
    complaintResponses: groupedLoader(
      ds,
      `SELECT r.*, c.lender_id, c.borrower_id, c.case_id FROM complaint_response r JOIN complaint c ON c.id = r.complaint_id
        WHERE r.complaint_id = ANY($1::uuid[]) ORDER BY r.complaint_id, r.responded_at, r.id`,
      "complaint_id",
      complaintResponseFromRow,
    ),
    promiseByActivity: byIdLoader(ds, "SELECT * FROM promise_to_pay WHERE activity_id = ANY($1::uuid[])", promiseFromRow, "activity_id"),
    promisesByCase: groupedLoader(ds, "SELECT * FROM promise_to_pay WHERE case_id = ANY($1::uuid[]) ORDER BY case_id, made_at, id", "case_id", promiseFromRow),
    activityPage: new DataLoader(
      async (keys) => {
        // Keys of one page size and position go together: one windowed statement per group.
        const groups = new Map<string, ActivityPageKey[]>();
        for (const k of keys) {
          const g = `${k.first}|${k.after?.t ?? ""}|${k.after?.id ?? ""}`;
          groups.set(g, [...(groups.get(g) ?? []), k]);
        }
        const found = new Map<string, Array<Record<string, any>>>();
        for (const group of groups.values()) {
          const { first, after } = group[0]!;
          const params: unknown[] = [group.map((k) => k.caseId), first + 1];
          const position = after ? `AND (occurred_at, id) < ($${params.push(after.t)}::timestamptz, $${params.push(after.id)}::uuid)` : "";
          const rows: Array<Record<string, any>> = await ds.query(
            `SELECT * FROM (
               SELECT a.*, row_number() OVER (PARTITION BY case_id ORDER BY occurred_at DESC, id DESC) AS n
                 FROM activity a WHERE case_id = ANY($1::uuid[]) ${position}
             ) t WHERE n <= $2 ORDER BY case_id, occurred_at DESC, id DESC`,
            params,
          );
          for (const r of rows) found.set(r.case_id, [...(found.get(r.case_id) ?? []), r]);
        }
        return keys.map((k) => found.get(k.caseId) ?? []);
      },
      { cacheKeyFn: (k) => `${k.caseId}|${k.first}|${k.after?.t ?? ""}|${k.after?.id ?? ""}` },
    ),
  };
}
