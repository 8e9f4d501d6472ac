import type { DataSource, MigrationInterface } from "typeorm";
import type { GraphQLSchema } from "graphql";
import type { SubgraphEntry } from "@concord/schema";
import type { Clock } from "./clock";
import type { SubgraphContext, SubgraphOptions, SubgraphService } from "./subgraph-service";

/**
 * What every subgraph package exports from its `src/index.ts`. Scripts and the test
 * federation load each registered subgraph by its package name (`await import(entry.package)`)
 * and use only this, so none of them lists the subgraphs by hand.
 */
export interface SubgraphModule {
  /** Migrates the subgraph's database and serves it (see `startSubgraph`). */
  start(opts: SubgraphOptions): Promise<RunningSubgraph>;
  /** The federated subgraph schema, as `npm run compose` prints it. */
  buildSchema(): Promise<GraphQLSchema>;
  /** The subgraph's migrations, in order. */
  migrations: Array<new () => MigrationInterface>;
  /**
   * Demo data for `npm start`: called once the subgraph is running (its consumers too), in
   * registry order, on an empty or already seeded database; must be safe to run again.
   */
  seedDemo?(ctx: DemoSeedContext): Promise<Partial<DemoParties>>;
}

/**
 * A started subgraph as code that does not know its context type sees it: everything but the
 * Apollo server, whose type depends on the context (the package's own `start` gives it typed).
 */
export type RunningSubgraph = Omit<SubgraphService<SubgraphContext>, "apollo">;

/**
 * What the demo seeding has found, for `npm start`'s banner (a token for each party) and for
 * the subgraphs seeded after the one that found it.
 */
export interface DemoParties {
  /** The lender whose token the banner prints. */
  lender: { id: string; name: string };
  /** One of that lender's borrowers with an open case. */
  borrower: { id: string; name: string };
  /** The agency whose token the banner prints. */
  agencyId: string;
  /** Open cases in the demo portfolio: what a subgraph that learns of cases from the bus waits for. */
  openCases: number;
  /** Placements the demo agencies were given: what a subgraph that learns of placements from the bus waits for. */
  placedCases: number;
  /** A case the demo agency holds whose demo contacts broke a contact rule (the 8th call attempt in 7 days). */
  flaggedCaseId: string;
  /** Another case the demo agency holds, with demo contacts that broke no rule: the banner reports a contact on it. */
  contactCaseId: string;
  /** A case the demo agency holds with an open dispute (raised on a demo call). */
  disputedCaseId: string;
  /** A case the demo agency holds with an approved hardship holding contact (declared on a demo call). */
  hardshipCaseId: string;
  /** A case the demo agency holds with a broken promise to pay (made on a demo call, never paid). */
  brokenPromiseCaseId: string;
}

/** What `seedDemo` gets. */
export interface DemoSeedContext {
  /** The subgraph's own database, migrated. */
  ds: DataSource;
  /** Seed of the demo generator (`DEMO_SEED`): the same seed and date give the same data. */
  seed: number;
  clock: Clock;
  /** What the subgraphs before this one in the registry found. */
  demo: Readonly<Partial<DemoParties>>;
  /** Tells the person running `npm start` what was seeded (one line). */
  say(line: string): void;
}

/**
 * `mod` (what `import(entry.package)` gave) as a `SubgraphModule`, or an error naming the
 * exports the subgraph's `src/index.ts` lacks. The import itself stays with the caller (a
 * script or a test): packages never load subgraphs.
 */
export function asSubgraphModule(entry: SubgraphEntry, mod: Record<string, unknown>): SubgraphModule {
  const missing = [
    typeof mod.start !== "function" && "start()",
    typeof mod.buildSchema !== "function" && "buildSchema()",
    !Array.isArray(mod.migrations) && "migrations",
    mod.seedDemo !== undefined && typeof mod.seedDemo !== "function" && "seedDemo() (optional, but then a function)",
  ].filter(Boolean);
  if (missing.length) throw new Error(`Subgraph ${entry.name} (${entry.package}) does not export ${missing.join(", ")}`);
  return mod as unknown as SubgraphModule;
}

