import type { DataSource } from "typeorm";
import type { PaymentRecordedPayload, Principal } from "@concord/schema";
import { badInput, conflict, isCurrency, isUuid, localDate, newEvent, notFound, refusedAsNotFound, uuidv7, type Clock } from "@concord/service-kit";
import { allocate } from "../collection-case/delinquency";
import { CaseSynchroniser, OPEN_CASE, scheduleFromRows } from "../collection-case/collection-case.service";
import { paymentFromRow, type Payment } from "./payment.type";
import type { RecordPaymentInput } from "./payment.inputs";

export interface RecordedPayment {
  payment: Payment;
  replayed: boolean;
  loanId: string;
  caseId: string | null;
}

const PAYMENT_BY_REFERENCE = `SELECT p.*, l.borrower_id FROM payment p JOIN loan l ON l.id = p.loan_id
  WHERE p.lender_id = $1 AND p.external_reference = $2`;

/** Payments may be dated a little ahead of our clock (processor clocks drift), never more. */
const FUTURE_TOLERANCE_MS = 5 * 60_000;

function validate(input: RecordPaymentInput, now: Date): { amount: bigint; reference: string } {
  // The MinorUnits scalar has refused anything but a whole, non-negative number of minor units.
  const amount = BigInt(input.amountMinor);
  if (amount <= 0n) throw badInput("amountMinor must be positive", "amountMinor");
  if (!isCurrency(input.currency)) throw badInput(`Unknown currency ${input.currency}`, "currency");
  if (Number.isNaN(input.receivedAt.getTime())) throw badInput("receivedAt is not a valid time", "receivedAt");
  if (input.receivedAt.getTime() > now.getTime() + FUTURE_TOLERANCE_MS) {
    throw badInput("receivedAt is in the future", "receivedAt");
  }
  const reference = input.externalReference.trim();
  if (reference.length === 0 || reference.length > 128 || /[\u0000-\u001f\u007f]/.test(reference)) {
    throw badInput("externalReference must be 1 to 128 printable characters", "externalReference");
  }
  return { amount, reference };
}

/**
 * Records a payment, allocates it to the oldest unpaid installments and brings the loan's case
 * up to date, all in one transaction. A retry with the same (lender, externalReference) returns
 * the first payment and changes nothing; two identical calls at once serialise on the loan row.
 */
export async function recordPayment(
  ds: DataSource,
  clock: Clock,
  input: RecordPaymentInput,
  principal: Principal,
  correlationId: string | null = null,
): Promise<RecordedPayment> {
  const now = clock.now();
  const { amount, reference } = validate(input, now);
  if (!isUuid(input.loanId)) throw notFound("Loan", input.loanId);
  const loanId = input.loanId.toLowerCase();

  return ds.transaction(async (tx) => {
    // Only the lender whose loan it is records its payments; to anyone else it is no loan at
    // all, and its row is never locked on their behalf (a caller cannot stall another tenant).
    const [loan] =
      principal.role === "lender"
        ? await tx.query(
            `SELECT l.id, l.lender_id, l.borrower_id, l.currency, l.status, l.originated_on, l.annual_rate_bps, le.timezone, b.region, b.timezone AS borrower_timezone
               FROM loan l JOIN lender le ON le.id = l.lender_id JOIN borrower b ON b.id = l.borrower_id
              WHERE l.id = $1 AND l.lender_id = $2 FOR UPDATE OF l`,
            [loanId, principal.lenderId],
          )
        : [];
    if (!loan) {
      // Someone else's loan is refused as not found, and audited as the refusal it is.
      const [foreign] = await tx.query("SELECT id FROM loan WHERE id = $1", [loanId]);
      if (foreign) throw refusedAsNotFound("Loan", input.loanId, foreign.id);
      throw notFound("Loan", input.loanId);
    }
    const currency = loan.currency.trim();
    // The loan's own calendar (its lender's) says which day the money came in.
    if (localDate(input.receivedAt, loan.timezone) < loan.originated_on) {
      throw badInput(`receivedAt is before the loan was originated (${loan.originated_on})`, "receivedAt");
    }

    const [existing] = await tx.query(PAYMENT_BY_REFERENCE, [loan.lender_id, reference]);
    if (existing) return replay(existing, loanId, amount, input.currency);

    if (input.currency !== currency) {
      throw badInput(`The loan is in ${currency}; the payment is in ${input.currency}`, "currency");
    }
    if (loan.status === "WRITTEN_OFF") throw conflict("The loan has been written off; record recoveries separately");

    const scheduleRows = await tx.query("SELECT * FROM installment WHERE loan_id = $1 ORDER BY seq FOR UPDATE", [loan.id]);
    const schedule = scheduleFromRows(scheduleRows);
    const outstanding = schedule.reduce((s, l) => s + (l.amountDue - l.amountPaid), 0n);
    if (amount > outstanding) {
      throw badInput(`amountMinor ${amount} exceeds the outstanding balance ${outstanding}`, "amountMinor");
    }

    const [inserted] = await tx.query(
      `INSERT INTO payment (id, lender_id, loan_id, amount_minor, currency, received_at, external_reference, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
       ON CONFLICT (lender_id, external_reference) DO NOTHING RETURNING *`,
      [uuidv7(now.getTime()), loan.lender_id, loan.id, amount.toString(), currency, input.receivedAt, reference, now],
    );
    if (!inserted) {
      // The same reference was just used on another loan of this lender by a concurrent call.
      const [winner] = await tx.query(PAYMENT_BY_REFERENCE, [loan.lender_id, reference]);
      return replay(winner, loanId, amount, input.currency);
    }

    const shares = allocate(schedule, amount);
    await tx.query(
      `UPDATE installment i SET amount_paid_minor = i.amount_paid_minor + s.apply
         FROM unnest($1::uuid[], $2::bigint[]) AS s(id, apply) WHERE i.id = s.id`,
      [shares.map((s) => s.id), shares.map((s) => s.apply.toString())],
    );
    const applied = new Map(shares.map((s) => [s.id, s.apply]));
    const after = schedule.map((l) => ({ ...l, amountPaid: l.amountPaid + (applied.get(l.id) ?? 0n) }));

    const [openCase] = await tx.query(`SELECT * FROM collection_case WHERE loan_id = $1 AND ${OPEN_CASE} FOR UPDATE`, [loan.id]);
    const sync = new CaseSynchroniser(tx, now, correlationId);
    // The case never goes back to an earlier business date than it already reflects.
    const today = localDate(now, loan.timezone);
    const asOf = openCase && openCase.as_of > today ? openCase.as_of : today;
    const { caseId } = await sync.apply(
      {
        id: loan.id, lenderId: loan.lender_id, borrowerId: loan.borrower_id, region: loan.region, timezone: loan.borrower_timezone, currency, status: loan.status,
        annualRateBps: loan.annual_rate_bps, lenderTimezone: loan.timezone,
      },
      after,
      openCase ?? null,
      asOf,
      "PAYMENT",
    );
    const payload: PaymentRecordedPayload = {
      paymentId: inserted.id,
      loanId: loan.id,
      borrowerId: loan.borrower_id,
      caseId,
      amountMinor: amount.toString(),
      currency,
      receivedAt: new Date(inserted.received_at).toISOString(),
    };
    sync.emit(newEvent({ type: "PaymentRecorded", aggregateType: "Loan", aggregateId: loan.id, lenderId: loan.lender_id, payload, correlationId }, now));
    await sync.flush();
    return { payment: paymentFromRow({ ...inserted, borrower_id: loan.borrower_id }), replayed: false, loanId: loan.id, caseId };
  });
}

function replay(row: Record<string, any>, loanId: string, amount: bigint, currency: string): RecordedPayment {
  const same = row.loan_id === loanId && BigInt(row.amount_minor) === amount && row.currency.trim() === currency;
  if (!same) {
    throw conflict(`externalReference ${row.external_reference} was already used for a different payment`);
  }
  return { payment: paymentFromRow(row), replayed: true, loanId, caseId: null };
}
