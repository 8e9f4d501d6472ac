import DataLoader from "dataloader";
import type { DataSource } from "typeorm";
import { isUuid } from "@concord/service-kit";
import { lenderFromRow, type Lender } from "./modules/lender/lender.type";
import { borrowerFromRow, type Borrower } from "./modules/borrower/borrower.type";
import { loanFromRow, type Loan } from "./modules/loan/loan.type";
import { installmentFromRow, type Installment } from "./modules/installment/installment.type";
import { paymentFromRow, type Payment } from "./modules/payment/payment.type";
import { caseEventFromRow, caseFromRow, type CaseEvent, type CollectionCase } from "./modules/collection-case/collection-case.type";

/**
 * Batches every entity reference and list field into one statement per kind per tick.
 * Made fresh for each request, so nothing is cached across callers.
 */
export interface Loaders {
  lender: DataLoader<string, Lender | null>;
  borrower: DataLoader<string, Borrower | null>;
  loan: DataLoader<string, Loan | null>;
  collectionCase: DataLoader<string, CollectionCase | null>;
  installmentsByLoan: DataLoader<string, Installment[]>;
  paymentsByLoan: DataLoader<string, Payment[]>;
  historyByCase: DataLoader<string, CaseEvent[]>;
  casesByLoan: DataLoader<string, CollectionCase[]>;
  loansByBorrower: DataLoader<string, Loan[]>;
  casesByBorrower: DataLoader<string, CollectionCase[]>;
}

function byId<T extends { id: string }>(
  ds: DataSource,
  sql: string,
  map: (r: Record<string, any>) => T,
): DataLoader<string, T | null> {
  return new DataLoader(async (ids) => {
    // PostgreSQL prints uuids in lower case; callers may send either.
    const valid = ids.filter(isUuid).map((id) => id.toLowerCase());
    const rows: Record<string, any>[] = valid.length ? await ds.query(sql, [valid]) : [];
    const found = new Map(rows.map((r) => [r.id as string, map(r)]));
    return ids.map((id) => found.get(id.toLowerCase()) ?? null);
  });
}

function groupBy<T>(
  ds: DataSource,
  sql: string,
  key: string,
  map: (r: Record<string, any>) => T,
): DataLoader<string, T[]> {
  return new DataLoader(async (keys) => {
    const valid = keys.filter(isUuid).map((k) => k.toLowerCase());
    const rows: Record<string, any>[] = valid.length ? await ds.query(sql, [valid]) : [];
    const groups = new Map<string, T[]>();
    for (const r of rows) {
      const list = groups.get(r[key]) ?? [];
      list.push(map(r));
      groups.set(r[key], list);
    }
    return keys.map((k) => groups.get(k.toLowerCase()) ?? []);
  });
}

export function createLoaders(ds: DataSource): Loaders {
  return {
    lender: byId(ds, "SELECT * FROM lender WHERE id = ANY($1::uuid[])", lenderFromRow),
    borrower: byId(ds, "SELECT * FROM borrower WHERE id = ANY($1::uuid[])", borrowerFromRow),
    loan: byId(ds, "SELECT * FROM loan WHERE id = ANY($1::uuid[])", loanFromRow),
    collectionCase: byId(ds, "SELECT * FROM collection_case WHERE id = ANY($1::uuid[])", caseFromRow),
    installmentsByLoan: groupBy(
      ds,
      `SELECT i.*, l.currency, l.lender_id, l.borrower_id FROM installment i JOIN loan l ON l.id = i.loan_id
        WHERE i.loan_id = ANY($1::uuid[]) ORDER BY i.loan_id, i.seq`,
      "loan_id",
      (r) => installmentFromRow(r, r.currency.trim()),
    ),
    paymentsByLoan: groupBy(
      ds,
      `SELECT p.*, l.borrower_id FROM payment p JOIN loan l ON l.id = p.loan_id
        WHERE p.loan_id = ANY($1::uuid[]) ORDER BY p.loan_id, p.received_at, p.id`,
      "loan_id",
      paymentFromRow,
    ),
    historyByCase: groupBy(
      ds,
      `SELECT e.*, c.lender_id, c.borrower_id FROM case_event e JOIN collection_case c ON c.id = e.case_id
        WHERE e.case_id = ANY($1::uuid[]) ORDER BY e.case_id, e.occurred_at, e.id`,
      "case_id",
      caseEventFromRow,
    ),
    casesByLoan: groupBy(
      ds,
      "SELECT * FROM collection_case WHERE loan_id = ANY($1::uuid[]) ORDER BY loan_id, opened_at, id",
      "loan_id",
      caseFromRow,
    ),
    casesByBorrower: groupBy(
      ds,
      "SELECT * FROM collection_case WHERE borrower_id = ANY($1::uuid[]) ORDER BY borrower_id, opened_at, id",
      "borrower_id",
      caseFromRow,
    ),
    loansByBorrower: groupBy(
      ds,
      "SELECT * FROM loan WHERE borrower_id = ANY($1::uuid[]) ORDER BY borrower_id, originated_on, id",
      "borrower_id",
      loanFromRow,
    ),
  };
}
