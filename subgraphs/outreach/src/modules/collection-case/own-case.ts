import type { Principal } from "@concord/schema";
import { forbidden, isUuid, notFound, refusedAsNotFound, type CaseDirectory, type CaseEntry } from "@concord/service-kit";

/**
 * The case as a borrower or lender may act on it for a protection: the borrower's own (by the
 * case directory's borrowerId) or the lender's own (recording what it received in writing); any
 * other is NOT_FOUND, as an unknown id is. Agencies and auditors may not (FORBIDDEN naming `what`).
 */
export async function ownCase(directory: CaseDirectory, p: Principal, caseId: string, what: string): Promise<CaseEntry> {
  if (p.role !== "borrower" && p.role !== "lender") throw forbidden(what);
  const entry = isUuid(caseId) ? await directory.entry(caseId) : null;
  if (!entry) throw notFound("CollectionCase", caseId);
  const own = p.role === "borrower" ? !!p.borrowerId && entry.borrowerId === p.borrowerId : !!p.lenderId && entry.lenderId === p.lenderId;
  if (!own) throw refusedAsNotFound("CollectionCase", caseId, entry.caseId);
  return entry;
}
