import type { EntityManager } from "typeorm";
import { caseEventPayloadSchema, noticeSentPayloadSchema, paymentRecordedPayloadSchema } from "@concord/schema";
import type { EventEnvelope } from "@concord/service-kit";

/** Durable consumer name: outreach's LEGAL_WARNING notices, which escalateToLegal needs sent (and their wait over). */
export const NOTICES_CONSUMER = "restructuring.notices";
/** Durable consumer name: the last payment on each loan and each case's opening, which the limitation period runs from. */
export const PAYMENTS_CONSUMER = "restructuring.payments";

/** Keeps `legal_warning_notice`: every NoticeSent of stage LEGAL_WARNING, once (a redelivery changes nothing). */
export function noticesHandler() {
  return async (event: EventEnvelope, tx: EntityManager): Promise<void> => {
    if (event.type !== "NoticeSent") return;
    const p = noticeSentPayloadSchema.parse(event.payload);
    if (p.stage !== "LEGAL_WARNING") return;
    await tx.query(
      `INSERT INTO legal_warning_notice (notice_id, case_id, sent_at, earliest_legal_step_at) VALUES ($1, $2, $3, $4) ON CONFLICT (notice_id) DO NOTHING`,
      [p.noticeId, p.caseId, p.sentAt, p.earliestLegalStepAt],
    );
  };
}

/**
 * Keeps `loan_last_payment` (the latest receivedAt of loans' PaymentRecorded per loan: a payment
 * delivered late or twice never moves it back) and `case_opening` (CaseOpened's occurredAt).
 */
export function paymentsHandler() {
  return async (event: EventEnvelope, tx: EntityManager): Promise<void> => {
    if (event.type === "PaymentRecorded") {
      const p = paymentRecordedPayloadSchema.parse(event.payload);
      await tx.query(
        `INSERT INTO loan_last_payment (loan_id, payment_id, received_at) VALUES ($1, $2, $3)
         ON CONFLICT (loan_id) DO UPDATE SET payment_id = EXCLUDED.payment_id, received_at = EXCLUDED.received_at
         WHERE loan_last_payment.received_at < EXCLUDED.received_at`,
        [p.loanId, p.paymentId, p.receivedAt],
      );
    } else if (event.type === "CaseOpened" && event.aggregateType === "CollectionCase") {
      const p = caseEventPayloadSchema.parse(event.payload);
      await tx.query("INSERT INTO case_opening (case_id, loan_id, opened_at) VALUES ($1, $2, $3) ON CONFLICT (case_id) DO NOTHING", [p.caseId, p.loanId, event.occurredAt]);
    }
  };
}
