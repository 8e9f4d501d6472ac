import type { DataSource } from "typeorm";
import { addMonths, uuidv7 } from "@concord/service-kit";

/** Test fixtures: a lender, a borrower and a loan with a monthly schedule, written with plain SQL. */
export async function makeLender(ds: DataSource, o: { timezone?: string; currency?: string; name?: string } = {}) {
  const id = uuidv7();
  await ds.query("INSERT INTO lender (id, name, timezone, currency) VALUES ($1, $2, $3, $4)", [
    id, o.name ?? "Test Lender", o.timezone ?? "Europe/London", o.currency ?? "GBP",
  ]);
  return id;
}

export async function makeLoan(
  ds: DataSource,
  o: { lenderId: string; currency?: string; originatedOn: string; installments: number; amountMinor: number; paid?: number },
): Promise<{ loanId: string; borrowerId: string; installmentIds: string[] }> {
  const borrowerId = uuidv7();
  await ds.query(
    `INSERT INTO borrower (id, lender_id, full_name, national_id, date_of_birth, phone, email, address, employer,
       monthly_income_minor, income_currency, timezone, preferred_language, vulnerable, region)
     VALUES ($1, $2, 'Ada Test', 'QQ123456A', '1990-01-01', '+447700900123', 'ada@example.test', '1 Test Street, Leeds',
       'Acme', 250000, $3, 'Europe/London', 'en-GB', false, 'Leeds')`,
    [borrowerId, o.lenderId, o.currency ?? "GBP"],
  );
  const loanId = uuidv7();
  await ds.query(
    `INSERT INTO loan (id, lender_id, borrower_id, reference, principal_minor, currency, annual_rate_bps, term_months,
       originated_on, status) VALUES ($1, $2, $3, $4, $5, $6, 1200, $7, $8, 'ACTIVE')`,
    [loanId, o.lenderId, borrowerId, `REF-${loanId.slice(-12)}`, o.amountMinor * o.installments, o.currency ?? "GBP",
      o.installments, o.originatedOn],
  );
  const installmentIds: string[] = [];
  for (let i = 0; i < o.installments; i++) {
    const id = uuidv7();
    installmentIds.push(id);
    await ds.query(
      "INSERT INTO installment (id, loan_id, seq, due_date, amount_due_minor, amount_paid_minor) VALUES ($1, $2, $3, $4, $5, $6)",
      [id, loanId, i + 1, addMonths(o.originatedOn, i + 1), o.amountMinor, i < (o.paid ?? 0) ? o.amountMinor : 0],
    );
  }
  return { loanId, borrowerId, installmentIds };
}
