import type { DataSource } from "typeorm";
import { CLOSED_CASE_STATUSES, type Principal } from "@concord/schema";
import { badInput, forbidden, heldCasesSql, idKey, isIdKey, isUuid, keysetPage, pageRequest, type Page } from "@concord/service-kit";
import { caseFromRow, type CollectionCase } from "./collection-case.type";
import type { CaseFilter } from "./collection-case.inputs";

/**
 * The rows a caller may list: a lender its portfolio, a borrower its own cases, an agency the
 * cases it holds an ACTIVE placement of, an auditor every case (whose figures the field
 * policies then withhold).
 */
function visibleTo(p: Principal, params: unknown[], now: Date): string[] {
  switch (p.role) {
    case "lender":
      return [`lender_id = $${params.push(p.lenderId)}`];
    case "borrower":
      return [`borrower_id = $${params.push(p.borrowerId)}`];
    case "agency":
      // Held now, by the case directory: a placement past its expiry is over, job or no job.
      return [`id IN (${heldCasesSql(`$${params.push(p.agencyId)}`, `$${params.push(now)}`)})`];
    case "auditor":
      return [];
  }
}

/**
 * SQL: the case is held by an agency now (by the case directory, kept from agencies' placement
 * events): an ACTIVE placement, not past its expiry, of a case that is not closed; by `agency`
 * (a placeholder) when given.
 */
function placedSql(now: string, agency?: string): string {
  return `(status NOT IN (${CLOSED_CASE_STATUSES.map((s) => `'${s}'`).join(", ")}) AND EXISTS (
    SELECT 1 FROM case_directory_placement p WHERE p.case_id = collection_case.id AND p.ended_at IS NULL
      AND p.placed_at IS NOT NULL AND p.expires_at > ${now}::timestamptz${agency ? ` AND p.agency_id = ${agency}::uuid` : ""}))`;
}

function where(principal: Principal, filter: CaseFilter | undefined, params: unknown[], now: Date): string[] {
  // Who holds a lender's cases is the lender's business (an agency holds all it sees, a borrower is never told).
  if ((filter?.placed != null || filter?.agencyId != null) && principal.role !== "lender") {
    throw forbidden("who holds the cases (filter by placed or agencyId: lenders only)");
  }
  // Filtering on figures would reveal them one case at a time to a caller who may not see them.
  if (principal.role === "auditor" && (filter?.bucket || filter?.minDaysPastDue != null || filter?.maxDaysPastDue != null)) {
    throw forbidden("per-case figures (filter by status only)");
  }
  if (principal.role !== "auditor" && !isUuid(principal.lenderId ?? principal.borrowerId ?? principal.agencyId ?? "")) return ["false"];
  const conds: string[] = visibleTo(principal, params, now);
  if (filter?.status) conds.push(`status = $${params.push(filter.status)}`);
  if (filter?.bucket) conds.push(`bucket = $${params.push(filter.bucket)}`);
  if (filter?.minDaysPastDue != null) conds.push(`days_past_due >= $${params.push(filter.minDaysPastDue)}`);
  if (filter?.maxDaysPastDue != null) conds.push(`days_past_due <= $${params.push(filter.maxDaysPastDue)}`);
  if (filter?.agencyId != null) {
    conds.push(placedSql(`$${params.push(now)}`, `$${params.push(filter.agencyId.toLowerCase())}`));
  } else if (filter?.placed != null) {
    const placed = placedSql(`$${params.push(now)}`);
    conds.push(filter.placed ? placed : `NOT ${placed}`);
  }
  return conds;
}

function checkFilter(filter: CaseFilter | undefined): void {
  const { minDaysPastDue: min, maxDaysPastDue: max } = filter ?? {};
  if (min != null && min < 0) throw badInput("minDaysPastDue must not be negative", "filter.minDaysPastDue");
  if (max != null && max < 0) throw badInput("maxDaysPastDue must not be negative", "filter.maxDaysPastDue");
  if (min != null && max != null && min > max) throw badInput("minDaysPastDue is larger than maxDaysPastDue", "filter");
  if (filter?.agencyId != null && !isUuid(filter.agencyId)) throw badInput("agencyId is not an agency id", "filter.agencyId");
  if (filter?.agencyId != null && filter.placed === false) throw badInput("agencyId selects placed cases; it cannot go with placed: false", "filter");
}

/**
 * One page of cases in id order (UUIDv7, so creation order), by keyset: the next page starts
 * after the last id seen, through the primary-key index, never with OFFSET.
 */
export async function listCases(
  ds: DataSource,
  principal: Principal,
  args: { first?: number | null; after?: string | null; filter?: CaseFilter },
  now: Date,
): Promise<Page<CollectionCase>> {
  const page = pageRequest(args, isIdKey);
  checkFilter(args.filter);
  const params: unknown[] = [];
  const conds = where(principal, args.filter, params, now);
  if (page.after) conds.push(`id > $${params.push(page.after.id)}`);
  const sql = `SELECT * FROM collection_case ${conds.length ? `WHERE ${conds.join(" AND ")}` : ""}
    ORDER BY id LIMIT $${params.push(page.first + 1)}`;
  return keysetPage(await ds.query(sql, params), page.first, caseFromRow, idKey);
}

export async function countCases(ds: DataSource, principal: Principal, filter: CaseFilter | undefined, now: Date): Promise<number> {
  const params: unknown[] = [];
  const conds = where(principal, filter, params, now);
  const [row] = await ds.query(
    `SELECT count(*)::int AS n FROM collection_case ${conds.length ? `WHERE ${conds.join(" AND ")}` : ""}`,
    params,
  );
  return row.n;
}
