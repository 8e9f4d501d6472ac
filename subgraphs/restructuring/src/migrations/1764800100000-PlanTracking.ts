import type { MigrationInterface, QueryRunner } from "typeorm";

/**
 * Plans tracked from loans' payments: each PaymentRecorded of a case recorded once (plan_payment),
 * what a plan has been paid and when it completed or broke, when each instalment was paid, and
 * every change of a plan (plan_event: its history).
 */
export class PlanTracking1764800100000 implements MigrationInterface {
  name = "PlanTracking1764800100000";

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      -- Every payment loans recorded on a case, once by paymentId (a redelivery inserts nothing).
      CREATE TABLE plan_payment (
        payment_id uuid PRIMARY KEY,
        case_id uuid NOT NULL,
        loan_id uuid NOT NULL,
        amount_minor bigint NOT NULL,
        currency char(3) NOT NULL,
        received_at timestamptz NOT NULL,
        recorded_at timestamptz NOT NULL
      );
      CREATE INDEX plan_payment_case_idx ON plan_payment (case_id, received_at, payment_id);

      ALTER TABLE plan
        ADD COLUMN paid_minor bigint NOT NULL DEFAULT 0 CHECK (paid_minor >= 0),
        ADD COLUMN completed_at timestamptz,
        ADD COLUMN broken_at timestamptz;
      ALTER TABLE plan_instalment ADD COLUMN paid_at timestamptz;

      -- Each change of a plan, by its version (STARTED is version 1).
      CREATE TABLE plan_event (
        plan_id uuid NOT NULL REFERENCES plan(id),
        version integer NOT NULL,
        at timestamptz NOT NULL,
        change text NOT NULL CHECK (change IN ('STARTED', 'PAYMENT', 'MISSED', 'COMPLETED', 'BROKEN')),
        status text NOT NULL CHECK (status IN ('ACTIVE', 'COMPLETED', 'BROKEN')),
        paid_minor bigint NOT NULL,
        payment_id uuid,
        PRIMARY KEY (plan_id, version)
      );
      INSERT INTO plan_event (plan_id, version, at, change, status, paid_minor)
        SELECT id, 1, started_at, 'STARTED', 'ACTIVE', 0 FROM plan;
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP TABLE plan_event; DROP TABLE plan_payment;
      ALTER TABLE plan_instalment DROP COLUMN paid_at;
      ALTER TABLE plan DROP COLUMN paid_minor, DROP COLUMN completed_at, DROP COLUMN broken_at;
    `);
  }
}
