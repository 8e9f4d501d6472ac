import type { DataSource } from "typeorm";
import { derivedUuid, systemClock, type Clock } from "@concord/service-kit";
import { generatePortfolio, type PortfolioOptions } from "./generator";
import { refreshDelinquency, type LoanRef, type RefreshResult } from "../modules/collection-case/collection-case.service";

export interface SeedResult {
  seeded: boolean;
  lenders: number;
  borrowers: number;
  loans: number;
  refresh?: RefreshResult;
}

/**
 * The id of the case the demo seeding opens on a loan: derived from the seed and the loan (whose
 * id derives from the seed), so seeding again gives the same case ids, and with them the same
 * placements, visits and tokens' worth of data. Only the seeding uses it (a loan opens at most
 * one case then); cases opened later get time-ordered ids like any other.
 */
export const demoCaseId =
  (seed: number) =>
  (loan: LoanRef): string =>
    derivedUuid("concord-demo", seed, "case", loan.id);

/**
 * Loads the demo portfolio when the database holds no lender yet, then opens the cases that
 * are past due today. Does nothing on a database that already has data.
 */
export async function seedDemoPortfolio(ds: DataSource, opts: PortfolioOptions, clock: Clock = systemClock): Promise<SeedResult> {
  const p = generatePortfolio(opts);
  const inserted = await ds.transaction(async (tx) => {
    // Serialise concurrent seeders; the loser sees the winner's rows and stops.
    await tx.query("SELECT pg_advisory_xact_lock(727002)");
    const [{ n }] = await tx.query("SELECT count(*)::int AS n FROM lender");
    if (n > 0) return false;
    const col = <T, K extends keyof T>(rows: T[], k: K) => rows.map((r) => (typeof r[k] === "bigint" ? String(r[k]) : r[k]));
    await tx.query(
      "INSERT INTO lender (id, name, timezone, currency) SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[])",
      [col(p.lenders, "id"), col(p.lenders, "name"), col(p.lenders, "timezone"), col(p.lenders, "currency")],
    );
    const b = p.borrowers;
    await tx.query(
      `INSERT INTO borrower (id, lender_id, full_name, national_id, date_of_birth, phone, email, address, employer,
         monthly_income_minor, income_currency, timezone, preferred_language, vulnerable, region)
       SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::date[], $6::text[], $7::text[], $8::text[],
         $9::text[], $10::bigint[], $11::text[], $12::text[], $13::text[], $14::boolean[], $15::text[])`,
      [col(b, "id"), col(b, "lenderId"), col(b, "fullName"), col(b, "nationalId"), col(b, "dateOfBirth"), col(b, "phone"),
        col(b, "email"), col(b, "address"), col(b, "employer"), col(b, "monthlyIncomeMinor"), col(b, "incomeCurrency"),
        col(b, "timezone"), col(b, "preferredLanguage"), col(b, "vulnerable"), col(b, "region")],
    );
    const l = p.loans;
    await tx.query(
      `INSERT INTO loan (id, lender_id, borrower_id, reference, principal_minor, currency, annual_rate_bps, term_months,
         originated_on, status)
       SELECT *, 'ACTIVE' FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::text[], $5::bigint[], $6::text[], $7::int[],
         $8::int[], $9::date[])`,
      [col(l, "id"), col(l, "lenderId"), col(l, "borrowerId"), col(l, "reference"), col(l, "principalMinor"),
        col(l, "currency"), col(l, "annualRateBps"), col(l, "termMonths"), col(l, "originatedOn")],
    );
    const i = p.installments;
    await tx.query(
      `INSERT INTO installment (id, loan_id, seq, due_date, amount_due_minor, amount_paid_minor)
       SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::int[], $4::date[], $5::bigint[], $6::bigint[])`,
      [col(i, "id"), col(i, "loanId"), col(i, "seq"), col(i, "dueDate"), col(i, "amountDueMinor"), col(i, "amountPaidMinor")],
    );
    const pm = p.payments;
    await tx.query(
      `INSERT INTO payment (id, lender_id, loan_id, amount_minor, currency, received_at, external_reference, created_at)
       SELECT a.*, a.received_at FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::bigint[], $5::text[],
         $6::timestamptz[], $7::text[]) AS a(id, lender_id, loan_id, amount_minor, currency, received_at, external_reference)`,
      [col(pm, "id"), col(pm, "lenderId"), col(pm, "loanId"), col(pm, "amountMinor"), col(pm, "currency"),
        col(pm, "receivedAt"), col(pm, "externalReference")],
    );
    return true;
  });
  const counts = { lenders: p.lenders.length, borrowers: p.borrowers.length, loans: p.loans.length };
  if (!inserted) return { seeded: false, ...counts };
  const refresh = await refreshDelinquency(ds, clock, opts.asOf, null, undefined, demoCaseId(opts.seed ?? 42));
  return { seeded: true, ...counts, refresh };
}
