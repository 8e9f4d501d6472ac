import { SUBGRAPHS } from "@concord/schema";
import {
  asSubgraphModule,
  createDataSource,
  subgraphMigrations,
  systemClock,
  type DemoParties,
  type Logger,
  type SubgraphModule,
} from "@concord/service-kit";

/** A registered subgraph with the database its demo data goes to. */
export interface SeedTarget {
  name: string;
  subgraph: SubgraphModule;
  databaseUrl: string;
}

/** Every registered subgraph (schema/src/registry.ts), loaded by its package name, in registry order. */
export async function loadSubgraphs(): Promise<Array<{ name: string; subgraph: SubgraphModule }>> {
  const loaded = [];
  for (const entry of SUBGRAPHS) loaded.push({ name: entry.name, subgraph: asSubgraphModule(entry, await import(entry.package)) });
  return loaded;
}

/**
 * Runs each subgraph's `seedDemo` on its database in registry order, each seeing what the ones
 * before it found; what `npm start` and `npm run seed` share. The subgraphs must be running:
 * a subgraph's seed may wait for the events another's sends (agencies places the cases loans
 * announces). Safe to run again: a seeded database keeps its data.
 */
export async function seedDemoData(targets: readonly SeedTarget[], seed: number, say: (line: string) => void, logger?: Logger): Promise<Partial<DemoParties>> {
  const demo: Partial<DemoParties> = {};
  for (const { subgraph, databaseUrl } of targets) {
    if (!subgraph.seedDemo) continue;
    const ds = await createDataSource({ url: databaseUrl, migrations: subgraphMigrations(subgraph.migrations), logger });
    try {
      Object.assign(demo, await subgraph.seedDemo({ ds, seed, clock: systemClock, demo, say }));
    } finally {
      await ds.destroy();
    }
  }
  return demo;
}
