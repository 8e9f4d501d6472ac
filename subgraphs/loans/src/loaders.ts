import DataLoader from "dataloader";
import type { DataSource } from "typeorm";
import { byIdLoader, groupedLoader } from "@concord/service-kit";
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

export function createLoaders(ds: DataSource): Loaders {
  return {
    lender: byIdLoader(ds, "SELECT * FROM lender WHERE id = ANY($1::uuid[])", lenderFromRow),
    borrower: byIdLoader(ds, "SELECT * FROM borrower WHERE id = ANY($1::uuid[])", borrowerFromRow),
    loan: byIdLoader(ds, "SELECT * FROM loan WHERE id = ANY($1::uuid[])", loanFromRow),
    collectionCase: byIdLoader(ds, "SELECT * FROM collection_case WHERE id = ANY($1::uuid[])", caseFromRow),
    installmentsByLoan: groupedLoader(
      ds,
      `SELECT i.*, l.currency, l.lender_id, l.borrower_id FROM installment i JOIN loan l ON l.id = i.loan_id
        WHERE i.loan_id = ANY($1::uuid[]) ORDER BY i.loan_id, i.seq`,
      "loan_id",
      (r) => installmentFromRow(r, r.currency.trim()),
    ),
    paymentsByLoan: groupedLoader(
      ds,
      `SELECT p.*, l.borrower_id FROM payment p JOIN loan l ON l.id = p.loan_id
        WHERE p.loan_id = ANY($1::uuid[]) ORDER BY p.loan_id, p.received_at, p.id`,
      "loan_id",
      paymentFromRow,
    ),
    historyByCase: groupedLoader(
      ds,
      `SELECT e.*, c.lender_id, c.borrower_id FROM case_event e JOIN collection_case c ON c.id = e.case_id
        WHERE e.case_id = ANY($1::uuid[]) ORDER BY e.case_id, e.occurred_at, e.id`,
      "case_id",
      caseEventFromRow,
    ),
    casesByLoan: groupedLoader(
      ds,
      "SELECT * FROM collection_case WHERE loan_id = ANY($1::uuid[]) ORDER BY loan_id, opened_at, id",
      "loan_id",
      caseFromRow,
    ),
    casesByBorrower: groupedLoader(
      ds,
      "SELECT * FROM collection_case WHERE borrower_id = ANY($1::uuid[]) ORDER BY borrower_id, opened_at, id",
      "borrower_id",
      caseFromRow,
    ),
    loansByBorrower: groupedLoader(
      ds,
      "SELECT * FROM loan WHERE borrower_id = ANY($1::uuid[]) ORDER BY borrower_id, originated_on, id",
      "borrower_id",
      loanFromRow,
    ),
  };
}
