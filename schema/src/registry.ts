/**
 * The subgraphs of the federation, in one place. Configuration (ports, databases, the
 * gateway's `SUBGRAPH_URL_<NAME>`), `npm run compose`, `npm start`, `npm run audit:verify`, the
 * test federation, docker-compose.yml and the Dockerfile all follow this list, so adding a
 * subgraph is its folder under `subgraphs/` plus one entry here.
 *
 * Pure data: it lives in the schema package because service-kit and the gateway need it, and
 * packages never import from `subgraphs/`. Code that needs a subgraph's module loads it by its
 * `package` name (`await import(entry.package)`); every subgraph package exports the same
 * shape (`SubgraphModule` in service-kit).
 */

/** One subgraph of the federation. */
export interface SubgraphEntry {
  /**
   * The subgraph's name in the supergraph (lower-case). Upper-cased, it prefixes its settings:
   * `<NAME>_PORT`, `<NAME>_DATABASE_URL`, and the gateway's `SUBGRAPH_URL_<NAME>`.
   */
  readonly name: string;
  /** The workspace package under `subgraphs/<name>/`, loaded by this name. */
  readonly package: string;
  /** Default HTTP port; the checked-in supergraph routes to `http://localhost:<port>/graphql`. */
  readonly port: number;
  /** Its own database on the shared PostgreSQL server, created on first start. */
  readonly database: string;
  /** The process entry point, relative to the repository root. */
  readonly main: string;
}

/**
 * Every subgraph, in start order: `npm start` starts and seeds them in this order, so a
 * subgraph whose demo data builds on another's events comes after it (agencies after loans, outreach after both: its demo activities are on placed cases; restructuring last: its offers are on placed cases).
 */
export const SUBGRAPHS: readonly SubgraphEntry[] = [
  { name: "loans", package: "@concord/loans", port: 4001, database: "loans", main: "subgraphs/loans/src/main.ts" },
  { name: "agencies", package: "@concord/agencies", port: 4002, database: "agencies", main: "subgraphs/agencies/src/main.ts" },
  { name: "outreach", package: "@concord/outreach", port: 4003, database: "outreach", main: "subgraphs/outreach/src/main.ts" },
  { name: "restructuring", package: "@concord/restructuring", port: 4004, database: "restructuring", main: "subgraphs/restructuring/src/main.ts" },
];

/** The registry entry of subgraph `name`; throws for a name the registry does not hold. */
export function subgraphEntry(name: string): SubgraphEntry {
  const entry = SUBGRAPHS.find((s) => s.name === name);
  if (!entry) throw new Error(`Unknown subgraph "${name}": add it to SUBGRAPHS in schema/src/registry.ts`);
  return entry;
}
