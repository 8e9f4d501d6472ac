import { SUBGRAPHS } from "@concord/schema";
import { createDataSource, createLogger, envOrExit, migrate, subgraphDatabaseUrl, subgraphMigrations } from "@concord/service-kit";
import { loadSubgraphs, seedDemoData, type SeedTarget } from "./demo-seed";

/**
 * `npm run seed`: the demo portfolio (`DEMO_SEED`) in a running Concord that `npm start` did not
 * start, such as the docker compose stack (`docker compose exec loans npm run seed`). Seeds each
 * registered subgraph's database at DATABASE_URL (or <NAME>_DATABASE_URL) in registry order and
 * prints the demo parties to mint tokens for. The services must be running: the agencies seed
 * places the cases the loans subgraph announces on the bus. A seeded database keeps its data.
 */
const e = envOrExit();
if (!e.DATABASE_URL && SUBGRAPHS.some((s) => !e.subgraphDatabaseUrls[s.name])) {
  console.error("npm run seed needs DATABASE_URL (or every <NAME>_DATABASE_URL); npm start seeds its own embedded database.");
  process.exit(2);
}
const log = createLogger("seed");
const targets: SeedTarget[] = [];
for (const { name, subgraph } of await loadSubgraphs()) {
  const databaseUrl = await subgraphDatabaseUrl(name, e.DATABASE_URL!);
  // The service migrates its database when it starts; this makes the seed safe to run first.
  const ds = await createDataSource({ url: databaseUrl, migrations: subgraphMigrations(subgraph.migrations), logger: log });
  try {
    await migrate(ds);
  } finally {
    await ds.destroy();
  }
  targets.push({ name, subgraph, databaseUrl });
}
const demo = await seedDemoData(targets, e.DEMO_SEED, (line) => console.log(line), log);
console.log("\nDemo parties; mint a token for each with the gateway's development issuer (docker compose exec gateway npm run -s token -- ...):");
if (demo.lender) console.log(`  lender ${demo.lender.name}:  npm run -s token -- --role lender --lender ${demo.lender.id}`);
if (demo.agencyId) console.log(`  agency:  npm run -s token -- --role agency --agency ${demo.agencyId}`);
if (demo.borrower) console.log(`  borrower ${demo.borrower.name}:  npm run -s token -- --role borrower --borrower ${demo.borrower.id}`);
console.log("  auditor:  npm run -s token -- --role auditor");
if (demo.flaggedCaseId) console.log(`  the demo agency's case with a compliance violation (CALL_ATTEMPTS_7_DAYS): ${demo.flaggedCaseId}`);
if (demo.disputedCaseId) console.log(`  a case with an open dispute: ${demo.disputedCaseId}`);
if (demo.hardshipCaseId) console.log(`  a case with an approved hardship hold: ${demo.hardshipCaseId}`);
if (demo.brokenPromiseCaseId) console.log(`  a case with a broken promise to pay: ${demo.brokenPromiseCaseId}`);
