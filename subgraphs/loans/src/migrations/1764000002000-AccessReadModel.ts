import type { MigrationInterface, QueryRunner } from "typeorm";

/**
 * Which agency may see which case: kept from the agencies subgraph's PlacementStarted and
 * PlacementEnded events, never by calling it.
 */
export class AccessReadModel1764000002000 implements MigrationInterface {
  name = "AccessReadModel1764000002000";

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE case_access (
        placement_id uuid PRIMARY KEY,
        case_id uuid NOT NULL,
        agency_id uuid NOT NULL,
        active boolean NOT NULL,
        started_at timestamptz NOT NULL,
        ended_at timestamptz,
        -- the event that last changed the row, so an older event never undoes a newer one
        last_event_at timestamptz NOT NULL
      );
      CREATE INDEX case_access_agency_idx ON case_access (agency_id, case_id) WHERE active;
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query("DROP TABLE case_access");
  }
}
