import type { DataSource, EntityManager } from "typeorm";
import { CLOSED_CASE_STATUSES, type CaseEventPayload } from "@concord/schema";
import {
  appendToOutbox,
  badInput,
  EARLIEST_TIME_ZONE,
  localDate,
  newEvent,
  uuidv7,
  type Clock,
  type EventEnvelope,
} from "@concord/service-kit";
import { assess, remainingSchedule, type Assessment, type RemainingSchedule, type ScheduleLine } from "./delinquency";

/** Why a case changed; stored on each history row. */
export type ChangeReason = "CASE_OPENED" | "PAYMENT" | "DELINQUENCY_REFRESH" | FollowReason;

/**
 * Why a case's status follows its placements, disputes, hardships and plans (see
 * followPlacement), or left them for legal action (see escalateToLegal).
 */
export type FollowReason =
  | "PLACEMENT_STARTED"
  | "PLACEMENT_ENDED"
  | "DISPUTE_RAISED"
  | "DISPUTE_RESOLVED"
  | "HARDSHIP_DECLARED"
  | "HARDSHIP_DECIDED"
  | "HARDSHIP_HOLD_ENDED"
  | "PLAN_STARTED"
  | "PLAN_COMPLETED"
  | "PLAN_BROKEN"
  | "LEGAL_ESCALATION";

/** What a case's protections, plans and placements say of it now (see followPlacement). */
export interface FollowState {
  placed: boolean;
  disputed: boolean;
  hardship: boolean;
  /** An ACTIVE plan (an arrangement in good standing) exists. */
  arranged: boolean;
}

/**
 * The statuses placements, disputes, hardships and plans move a case between, highest first:
 * - DISPUTED while a dispute is open: collection of a disputed debt stops altogether until it is
 *   answered (US_REG_F validation, UK_FCA), whatever else holds it, a plan included;
 * - else HARDSHIP while a hardship holds contact: the borrower's circumstances come before any
 *   plan made without them (a plan in force may no longer be affordable), and its hold is the
 *   stricter one;
 * - else ARRANGEMENT while an ACTIVE plan exists: the borrower is paying as agreed, so the case
 *   is not being collected, even while an agency still holds it;
 * - else PLACED while an agency holds it, else OPEN.
 * A case in any other status (CEASED, LEGAL, resolved, written off) has moved on, and they
 * leave its status alone: legal action is not undone by a placement or a protection.
 */
export const FOLLOWS_PLACEMENT: readonly string[] = ["OPEN", "PLACED", "ARRANGEMENT", "DISPUTED", "HARDSHIP"];

/** The status FOLLOWS_PLACEMENT's precedence gives a case in `state`. */
export function followedStatus(state: FollowState): string {
  return state.disputed ? "DISPUTED" : state.hardship ? "HARDSHIP" : state.arranged ? "ARRANGEMENT" : state.placed ? "PLACED" : "OPEN";
}

export interface LoanRef {
  id: string;
  lenderId: string;
  borrowerId: string;
  /** The borrower's region (town), shared with agencies for allocation. */
  region: string;
  /** The borrower's IANA time zone, shared with agencies for contact hours (not PII). */
  timezone: string;
  currency: string;
  status: string;
  /** The loan's annual interest rate, carried on case events for restructuring offers. */
  annualRateBps: number;
  /** The lender's IANA time zone (its business calendar), carried on case events. */
  lenderTimezone: string;
}

export type SyncOutcome = "opened" | "updated" | "resolved" | "unchanged";

interface HistoryRow {
  caseId: string;
  field: string;
  from: string | null;
  to: string | null;
  reason: ChangeReason;
  asOf: string;
}

/** SQL: a case that is not closed (the unique index on open cases per loan says the same). */
const OPEN_CASE = `status NOT IN (${CLOSED_CASE_STATUSES.map((s) => `'${s}'`).join(", ")})`;

export function scheduleFromRows(rows: Record<string, any>[]): ScheduleLine[] {
  return rows.map((r) => ({
    id: r.id,
    seq: r.seq,
    dueDate: r.due_date,
    amountDue: BigInt(r.amount_due_minor),
    amountPaid: BigInt(r.amount_paid_minor),
  }));
}

/**
 * Keeps a loan's collection case true to its schedule on `asOf`: opens a case when the loan
 * falls past due, moves days past due, bucket and amounts, resolves it when nothing is overdue,
 * and writes a history row for every tracked change. Applying the same facts twice changes
 * nothing. The caller holds the loan row locked.
 */
export class CaseSynchroniser {
  private readonly history: HistoryRow[] = [];
  private readonly events: EventEnvelope[] = [];

  constructor(
    private readonly tx: EntityManager,
    private readonly now: Date,
    /** Request or job the changes belong to; stamped on their events. */
    private readonly correlationId: string | null = null,
    /** The id of a case it opens. @default a new UUIDv7 (time-ordered) */
    private readonly newCaseId: (loan: LoanRef) => string = () => uuidv7(now.getTime()),
    /** The event that caused the changes, when one did; stamped on their events. */
    private readonly causationId: string | null = null,
  ) {}

  /** Queues an event for the outbox; written with the history in {@link flush}. */
  emit(event: EventEnvelope): void {
    this.events.push(event);
  }

  private caseEvent(
    type: "CaseOpened" | "CaseUpdated" | "CaseResolved",
    c: { id: string; version: number },
    loan: LoanRef,
    a: Assessment,
    rest: RemainingSchedule,
    status: CaseEventPayload["status"],
    asOf: string,
    changed?: string[],
  ) {
    const caseId = c.id;
    const payload: CaseEventPayload = {
      caseId,
      loanId: loan.id,
      borrowerId: loan.borrowerId,
      region: loan.region,
      timezone: loan.timezone,
      status,
      daysPastDue: a.daysPastDue,
      bucket: a.bucket,
      amountOverdueMinor: a.amountOverdue.toString(),
      outstandingBalanceMinor: a.outstandingBalance.toString(),
      currency: loan.currency,
      asOf,
      ...(changed ? { changed } : {}),
      remainingInstalments: rest.remainingInstalments,
      nextDueDate: rest.nextDueDate,
      annualRateBps: loan.annualRateBps,
      lenderTimezone: loan.lenderTimezone,
    };
    this.emit(
      newEvent(
        {
          type,
          aggregateType: "CollectionCase",
          aggregateId: caseId,
          aggregateVersion: c.version,
          lenderId: loan.lenderId,
          payload,
          correlationId: this.correlationId,
          causationId: this.causationId,
        },
        this.now,
      ),
    );
  }

  async apply(
    loan: LoanRef,
    schedule: ScheduleLine[],
    openCase: Record<string, any> | null,
    asOf: string,
    reason: Exclude<ChangeReason, "CASE_OPENED">,
  ): Promise<{ outcome: SyncOutcome; caseId: string | null; assessment: Assessment }> {
    const a = assess(schedule, asOf);
    const outcome = await this.applyAssessment(loan, a, remainingSchedule(schedule, asOf), openCase, asOf, reason);
    await this.syncLoanStatus(loan, a);
    return { ...outcome, assessment: a };
  }

  private async applyAssessment(
    loan: LoanRef,
    a: Assessment,
    rest: RemainingSchedule,
    open: Record<string, any> | null,
    asOf: string,
    reason: Exclude<ChangeReason, "CASE_OPENED">,
  ): Promise<{ outcome: SyncOutcome; caseId: string | null }> {
    if (!open) {
      if (a.daysPastDue === 0) return { outcome: "unchanged", caseId: null };
      const id = this.newCaseId(loan);
      await this.tx.query(
        `INSERT INTO collection_case (id, lender_id, loan_id, borrower_id, status, days_past_due, bucket,
           amount_overdue_minor, outstanding_balance_minor, currency, oldest_unpaid_due_date, as_of,
           opened_at, updated_at)
         VALUES ($1, $2, $3, $4, 'OPEN', $5, $6, $7, $8, $9, $10, $11, $12, $12)`,
        [id, loan.lenderId, loan.id, loan.borrowerId, a.daysPastDue, a.bucket, a.amountOverdue.toString(),
          a.outstandingBalance.toString(), loan.currency, a.oldestUnpaidDueDate, asOf, this.now],
      );
      const opened = (field: string, to: string | null) =>
        this.history.push({ caseId: id, field, from: null, to, reason: "CASE_OPENED", asOf });
      opened("status", "OPEN");
      opened("bucket", a.bucket);
      opened("daysPastDue", String(a.daysPastDue));
      opened("amountOverdue", a.amountOverdue.toString());
      // A new case is version 1 (the column's default); every change after raises it.
      this.caseEvent("CaseOpened", { id, version: 1 }, loan, a, rest, "OPEN", asOf);
      return { outcome: "opened", caseId: id };
    }
    // A request for an earlier business date than the case already reflects changes nothing.
    if (open.as_of > asOf) return { outcome: "unchanged", caseId: open.id };

    const resolving = a.daysPastDue === 0;
    const next = {
      status: resolving ? "RESOLVED" : (open.status as string),
      bucket: a.bucket as string | null,
      daysPastDue: String(a.daysPastDue),
      amountOverdue: a.amountOverdue.toString(),
      outstandingBalance: a.outstandingBalance.toString(),
    };
    const prev = {
      status: open.status as string,
      bucket: open.bucket as string | null,
      daysPastDue: String(open.days_past_due),
      amountOverdue: String(open.amount_overdue_minor),
      outstandingBalance: String(open.outstanding_balance_minor),
    };
    let changed = open.as_of !== asOf || (open.oldest_unpaid_due_date ?? null) !== a.oldestUnpaidDueDate;
    const fields: string[] = [];
    for (const field of Object.keys(next) as Array<keyof typeof next>) {
      if (next[field] === prev[field]) continue;
      changed = true;
      fields.push(field);
      // Days past due drift every day; the daily refresh records them only with a bucket move.
      if (field === "daysPastDue" && reason === "DELINQUENCY_REFRESH" && next.bucket === prev.bucket) continue;
      this.history.push({ caseId: open.id, field, from: prev[field], to: next[field], reason, asOf });
    }
    if (!changed) return { outcome: "unchanged", caseId: open.id };
    // TypeORM answers an UPDATE ... RETURNING with [rows, count].
    const [[updated]] = await this.tx.query(
      `UPDATE collection_case SET status = $2, days_past_due = $3, bucket = $4, amount_overdue_minor = $5,
         outstanding_balance_minor = $6, oldest_unpaid_due_date = $7, as_of = $8, updated_at = $9,
         resolved_at = CASE WHEN $2 = 'RESOLVED' THEN $9 ELSE resolved_at END,
         resolution_reason = CASE WHEN $2 = 'RESOLVED' THEN 'PAID' ELSE resolution_reason END, version = version + 1
       WHERE id = $1 RETURNING version`,
      [open.id, next.status, a.daysPastDue, a.bucket, next.amountOverdue, next.outstandingBalance,
        a.oldestUnpaidDueDate, asOf, this.now],
    );
    const c = { id: open.id as string, version: Number(updated.version) };
    const status = next.status as CaseEventPayload["status"];
    if (resolving) this.caseEvent("CaseResolved", c, loan, a, rest, status, asOf, fields);
    else if (fields.length > 0) this.caseEvent("CaseUpdated", c, loan, a, rest, status, asOf, fields);
    return { outcome: resolving ? "resolved" : "updated", caseId: open.id };
  }

  /**
   * Keeps the status of `open` (a collection_case row the caller holds locked) true to its
   * disputes, hardships, plans and placements (see FOLLOWS_PLACEMENT for the precedence), with a
   * history row, the case's version raised and CaseUpdated. A case that has moved on (see
   * FOLLOWS_PLACEMENT) is left alone. Says whether it changed the case.
   */
  async followPlacement(open: Record<string, any>, loan: LoanRef, state: FollowState, reason: FollowReason): Promise<boolean> {
    const from = open.status as string;
    if (!FOLLOWS_PLACEMENT.includes(from)) return false;
    const to = followedStatus(state);
    if (to === from) return false;
    await this.moveStatus(open, loan, to, reason);
    return true;
  }

  /**
   * Moves `open` (locked by the caller) to LEGAL after restructuring's CaseEscalatedToLegal,
   * from any status but a closed one or LEGAL itself; says whether it changed the case. LEGAL
   * is not in FOLLOWS_PLACEMENT, so placements, protections and plans leave it alone afterwards.
   */
  async escalateToLegal(open: Record<string, any>, loan: LoanRef): Promise<boolean> {
    if (CLOSED_CASE_STATUSES.includes(open.status) || open.status === "LEGAL") return false;
    await this.moveStatus(open, loan, "LEGAL", "LEGAL_ESCALATION");
    return true;
  }

  /**
   * Resolves `open` (locked by the caller) as SETTLED: a plan that forgave something (a SETTLEMENT, an INTEREST_WAIVER) was completed,
   * the agreed sum paid and `forgivenMinor` forgiven. Status RESOLVED (history reason
   * PLAN_COMPLETED), resolvedAt now, the forgiven amount recorded, CaseResolved emitted, and the
   * loan PAID_OFF (nothing more is owed on it, so no refresh opens a case for the forgiven
   * remainder). The figures stay as they stood when the plan completed. A closed case is left
   * alone; says whether it changed the case.
   */
  async settle(open: Record<string, any>, loan: LoanRef, forgivenMinor: string): Promise<boolean> {
    if (CLOSED_CASE_STATUSES.includes(open.status)) return false;
    await this.moveStatus(open, loan, "RESOLVED", "PLAN_COMPLETED", forgivenMinor);
    await this.tx.query("UPDATE loan SET status = 'PAID_OFF' WHERE id = $1 AND status IN ('ACTIVE', 'DELINQUENT')", [open.loan_id]);
    return true;
  }

  /** Moves the status of `open` to `to`: the row, its history and CaseUpdated (CaseResolved for a settlement). */
  private async moveStatus(open: Record<string, any>, loan: LoanRef, to: string, reason: FollowReason, forgivenMinor?: string): Promise<void> {
    const from = open.status as string;
    const settling = forgivenMinor !== undefined;
    const [[updated]] = await this.tx.query(
      settling
        ? `UPDATE collection_case SET status = $2, updated_at = $3, version = version + 1, resolved_at = $3,
             resolution_reason = 'SETTLED', forgiven_minor = $4 WHERE id = $1 RETURNING version`
        : "UPDATE collection_case SET status = $2, updated_at = $3, version = version + 1 WHERE id = $1 RETURNING version",
      settling ? [open.id, to, this.now, forgivenMinor] : [open.id, to, this.now],
    );
    const asOf = open.as_of as string;
    this.history.push({ caseId: open.id, field: "status", from, to, reason, asOf });
    // The figures are the case's as they stand: a placement moves none of them.
    const a: Assessment = {
      daysPastDue: open.days_past_due,
      bucket: open.bucket,
      oldestUnpaidDueDate: open.oldest_unpaid_due_date ?? null,
      amountOverdue: BigInt(open.amount_overdue_minor),
      outstandingBalance: BigInt(open.outstanding_balance_minor),
    };
    const schedule = scheduleFromRows(await this.tx.query("SELECT * FROM installment WHERE loan_id = $1 ORDER BY seq", [open.loan_id]));
    const status = to as CaseEventPayload["status"];
    this.caseEvent(settling ? "CaseResolved" : "CaseUpdated", { id: open.id, version: Number(updated.version) }, loan, a, remainingSchedule(schedule, asOf), status, asOf, ["status"]);
  }

  private async syncLoanStatus(loan: LoanRef, a: Assessment): Promise<void> {
    if (loan.status !== "ACTIVE" && loan.status !== "DELINQUENT") return;
    const status = a.daysPastDue > 0 ? "DELINQUENT" : a.outstandingBalance === 0n ? "PAID_OFF" : "ACTIVE";
    if (status !== loan.status) {
      await this.tx.query("UPDATE loan SET status = $2 WHERE id = $1", [loan.id, status]);
      loan.status = status;
    }
  }

  /** Writes the history and the events gathered so far, inside the caller's transaction. */
  async flush(): Promise<void> {
    await appendToOutbox(this.tx, this.events.splice(0));
    if (this.history.length === 0) return;
    const h = this.history.splice(0);
    await this.tx.query(
      `INSERT INTO case_event (id, case_id, field, from_value, to_value, reason, as_of, occurred_at)
       SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::text[], $6::text[], $7::date[],
                            array_fill($8::timestamptz, ARRAY[$9::int]))`,
      [h.map(() => uuidv7(this.now.getTime())), h.map((r) => r.caseId), h.map((r) => r.field), h.map((r) => r.from),
        h.map((r) => r.to), h.map((r) => r.reason), h.map((r) => r.asOf), this.now, h.length],
    );
  }
}

export interface RefreshResult {
  casesOpened: number;
  casesUpdated: number;
  casesResolved: number;
  unchanged: number;
}

/**
 * Re-reads every loan that is past due or has an open case and brings its case up to date
 * for `asOf` (each lender's own business date when omitted). Idempotent for a given date.
 * A date that has not begun anywhere is refused; one that has not yet begun for a lender
 * counts as that lender's today, so no case ever runs ahead of its lender's calendar.
 */
export async function refreshDelinquency(
  ds: DataSource,
  clock: Clock,
  asOf?: string,
  correlationId: string | null = null,
  /** Only this lender's portfolio; every lender's when omitted (the daily job). */
  onlyLenderId?: string,
  /** The id of each case it opens (the demo seeding derives them from its seed). @default a new UUIDv7 */
  newCaseId?: (loan: LoanRef) => string,
): Promise<RefreshResult> {
  const now = clock.now();
  if (asOf && asOf > localDate(now, EARLIEST_TIME_ZONE)) {
    throw badInput(`asOf ${asOf} is in the future`, "asOf");
  }
  const result: RefreshResult = { casesOpened: 0, casesUpdated: 0, casesResolved: 0, unchanged: 0 };
  const lenders: Array<{ id: string; timezone: string }> = onlyLenderId
    ? await ds.query("SELECT id, timezone FROM lender WHERE id = $1", [onlyLenderId])
    : await ds.query("SELECT id, timezone FROM lender ORDER BY id");
  for (const lender of lenders) {
    const today = localDate(now, lender.timezone);
    const date = asOf && asOf < today ? asOf : today;
    await ds.transaction(async (tx) => {
      const loans: Record<string, any>[] = await tx.query(
        `SELECT l.id, l.lender_id, l.borrower_id, l.currency, l.status, l.annual_rate_bps, b.region, b.timezone
           FROM loan l JOIN borrower b ON b.id = l.borrower_id
          WHERE l.lender_id = $1 AND l.status IN ('ACTIVE', 'DELINQUENT')
            AND (EXISTS (SELECT 1 FROM installment i WHERE i.loan_id = l.id AND i.due_date < $2
                           AND i.amount_paid_minor < i.amount_due_minor)
                 OR EXISTS (SELECT 1 FROM collection_case c WHERE c.loan_id = l.id AND c.${OPEN_CASE}))
          ORDER BY l.id FOR UPDATE OF l`,
        [lender.id, date],
      );
      if (loans.length === 0) return;
      const ids = loans.map((l) => l.id);
      const schedules = new Map<string, Record<string, any>[]>();
      for (const r of await tx.query("SELECT * FROM installment WHERE loan_id = ANY($1::uuid[]) ORDER BY loan_id, seq", [ids])) {
        (schedules.get(r.loan_id) ?? schedules.set(r.loan_id, []).get(r.loan_id)!).push(r);
      }
      const openCases = new Map<string, Record<string, any>>();
      for (const r of await tx.query(
        `SELECT * FROM collection_case WHERE loan_id = ANY($1::uuid[]) AND ${OPEN_CASE} FOR UPDATE`,
        [ids],
      )) {
        openCases.set(r.loan_id, r);
      }
      const sync = new CaseSynchroniser(tx, now, correlationId, newCaseId);
      for (const l of loans) {
        const loan: LoanRef = {
          id: l.id, lenderId: l.lender_id, borrowerId: l.borrower_id, region: l.region, timezone: l.timezone, currency: l.currency.trim(), status: l.status,
          annualRateBps: l.annual_rate_bps, lenderTimezone: lender.timezone,
        };
        const { outcome } = await sync.apply(loan, scheduleFromRows(schedules.get(l.id) ?? []), openCases.get(l.id) ?? null, date, "DELINQUENCY_REFRESH");
        if (outcome === "opened") result.casesOpened++;
        else if (outcome === "updated") result.casesUpdated++;
        else if (outcome === "resolved") result.casesResolved++;
        else result.unchanged++;
      }
      await sync.flush();
    });
  }
  return result;
}

export { OPEN_CASE };
