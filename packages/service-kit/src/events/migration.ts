import type { MigrationInterface, QueryRunner } from "typeorm";

/**
 * The event tables every subgraph database holds: the outbox its changes write to, and the
 * inbox and dead letters of the consumers it runs. Subgraphs list this in their migrations.
 */
export class EventTables1764000001000 implements MigrationInterface {
  name = "EventTables1764000001000";

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE outbox (
        seq bigserial PRIMARY KEY,
        id uuid NOT NULL UNIQUE,
        aggregate_type text NOT NULL,
        aggregate_id text NOT NULL,
        type text NOT NULL,
        envelope text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        published_at timestamptz
      );
      CREATE INDEX outbox_pending_idx ON outbox (seq) WHERE published_at IS NULL;
      CREATE TABLE inbox (
        consumer text NOT NULL,
        event_id uuid NOT NULL,
        processed_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (consumer, event_id)
      );
      CREATE TABLE dead_letter (
        id bigserial PRIMARY KEY,
        consumer text NOT NULL,
        event_id text,
        subject text,
        data text NOT NULL,
        reason text NOT NULL,
        attempts integer NOT NULL,
        failed_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (consumer, event_id)
      );
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query("DROP TABLE dead_letter, inbox, outbox");
  }
}
