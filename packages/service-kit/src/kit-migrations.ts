import type { MigrationInterface } from "typeorm";
import { AuditLog1764000003000 } from "./access/audit-log";
import { CaseDirectory1764200000000, CaseDirectoryContact1764500000000, CaseDirectoryTimezone1764400100000 } from "./directory/migration";
import { EventTables1764000001000 } from "./events/migration";

/**
 * The tables the kit owns in every subgraph's database: the event tables (outbox, inbox, dead
 * letters), the audit log and the case directory (with what the contact engine reads of it). `startSubgraph` applies them with the
 * subgraph's own migrations (TypeORM orders them all by timestamp); a script that opens a
 * subgraph's database does the same through {@link subgraphMigrations}.
 */
export const KIT_MIGRATIONS: ReadonlyArray<new () => MigrationInterface> = [
  EventTables1764000001000,
  AuditLog1764000003000,
  CaseDirectory1764200000000,
  CaseDirectoryTimezone1764400100000,
  CaseDirectoryContact1764500000000,
];

/** A subgraph's own migrations with the kit's. */
export function subgraphMigrations(own: ReadonlyArray<new () => MigrationInterface>): Array<new () => MigrationInterface> {
  return [...KIT_MIGRATIONS, ...own.filter((m) => !KIT_MIGRATIONS.includes(m))];
}
