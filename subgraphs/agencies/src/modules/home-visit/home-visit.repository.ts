import type { DataSource } from "typeorm";
import type { Principal } from "@concord/schema";
import { idKey, isIdKey, isUuid, keysetPage, pageRequest, type Page } from "@concord/service-kit";

/**
 * The home visits a caller may list: a lender the visits of its cases, an agency its own (its
 * placement since ended or not: they are its requests), an auditor every one; nobody else any.
 */
function visibleTo(p: Principal, params: unknown[]): string {
  switch (p.role) {
    case "lender":
      return isUuid(p.lenderId ?? "") ? `lender_id = $${params.push(p.lenderId)}` : "false";
    case "agency":
      return isUuid(p.agencyId ?? "") ? `agency_id = $${params.push(p.agencyId)}` : "false";
    case "auditor":
      return "true";
    default:
      return "false";
  }
}

/**
 * One page of the caller's home visits in id order (UUIDv7, so the order they were requested
 * in), by keyset on the (lender_id, id) or (agency_id, id) index; `status` narrows it.
 */
export async function listHomeVisits<N>(
  ds: DataSource,
  principal: Principal,
  args: { first?: number | null; after?: string | null; status?: string | null },
  node: (row: Record<string, any>) => N & { id: string },
): Promise<Page<N & { id: string }>> {
  const page = pageRequest(args, isIdKey);
  const params: unknown[] = [];
  const conds = [visibleTo(principal, params)];
  if (args.status) conds.push(`status = $${params.push(args.status)}`);
  if (page.after) conds.push(`id > $${params.push(page.after.id)}`);
  const rows = await ds.query(`SELECT * FROM home_visit WHERE ${conds.join(" AND ")} ORDER BY id LIMIT $${params.push(page.first + 1)}`, params);
  return keysetPage(rows, page.first, node, idKey);
}
