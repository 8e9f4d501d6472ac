/**
 * Scale benchmark: does a page of `collectionCases` cost the same at 1M cases as at 10k?
 *
 *   npm run bench:scale                      # 10k and 1M, records the figures in BENCHMARKS.md
 *   npm run bench:scale -- --sizes 10000,100000   # quick run; prints only (add --write to record)
 *
 * For each size it creates a fresh database, starts the loans subgraph in-process on it (which
 * migrates it), bulk-loads N collection cases in set-based SQL, VACUUM ANALYZEs, then times the
 * first page and a page ~90% deep over real HTTP. PostgreSQL is TEST_DATABASE_URL or
 * DATABASE_URL when set, else a throwaway embedded server.
 */
import { cleanupStack, percentile, writeBenchmarkSection } from "./support";
import { join } from "node:path";
import { cpus, loadavg } from "node:os";
import { performance } from "node:perf_hooks";
import pg from "pg";
import {
  createLogger,
  dropDatabase,
  encodeCursor,
  ensureDatabase,
  generateInternalSigningKey,
  INTERNAL_TOKEN_HEADER,
  internalJwks,
  localJwks,
  signInternalToken,
  env,
  startEmbeddedPostgres,
  type DatabaseServer,
} from "@concord/service-kit";
import { start, type LoansService } from "@concord/loans";
import { readScopes } from "@concord/schema";

const DEFAULT_SIZES = [10_000, 1_000_000];
/** The benchmark calls the subgraph directly, with internal tokens as the gateway signs them. */
const INTERNAL_KEY = generateInternalSigningKey();
/** The lender each subgraph URL is asked as. */
const lenderOf = new Map<string, string>();
const PAGE_SIZE = 50;
const WARMUP = 300;
const SAMPLES = 200;
const DEEP_FRACTION = 0.9;
const GOAL_RATIO = 1.3;
const AS_OF = "2026-11-25";
const SECTION_TITLE = "## Scale: collectionCases pages at 10k vs 1M cases";

const PAGE_QUERY = `query Page($first: Int, $after: String) {
  collectionCases(first: $first, after: $after) {
    edges { node { id daysPastDue bucket amountOverdue { amountMinor currency } } }
    pageInfo { endCursor hasNextPage }
  }
}`;

// ---------------------------------------------------------------------------------------------
// Arguments

interface Args {
  sizes: number[];
  write: boolean;
}

function parseArgs(argv: string[]): Args {
  let sizes = DEFAULT_SIZES;
  let write: boolean | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--sizes" || a.startsWith("--sizes=")) {
      const raw = a.includes("=") ? a.slice(a.indexOf("=") + 1) : argv[++i];
      if (!raw) throw new Error("--sizes needs a value, for example --sizes 10000,100000");
      sizes = raw.split(",").map((s) => {
        const n = Number(s.trim().replace(/_/g, ""));
        if (!Number.isInteger(n) || n < 1000) throw new Error(`Bad size "${s}": sizes are integers of at least 1000`);
        return n;
      });
    } else if (a === "--write") write = true;
    else if (a === "--no-write") write = false;
    else if (a === "--help" || a === "-h") {
      console.log("Usage: npm run bench:scale -- [--sizes 10000,1000000] [--write | --no-write]");
      process.exit(0);
    } else throw new Error(`Unknown argument ${a}`);
  }
  sizes = [...new Set(sizes)].sort((x, y) => x - y);
  // Only the default run records figures, so a quick run never overwrites the real ones.
  const isDefault = sizes.join() === DEFAULT_SIZES.join();
  return { sizes, write: write ?? isDefault };
}

// ---------------------------------------------------------------------------------------------
// Formatting helpers

const label = (n: number): string =>
  n >= 1_000_000 && n % 100_000 === 0 ? `${n / 1_000_000}M` : n >= 1000 && n % 100 === 0 ? `${n / 1000}k` : String(n);
const ms = (v: number): string => (v >= 100 ? v.toFixed(0) : v.toFixed(2));
const secs = (v: number): string => `${(v / 1000).toFixed(1)} s`;
const log = (msg: string): void => void process.stderr.write(`[bench:scale] ${msg}\n`);


// ---------------------------------------------------------------------------------------------
// Bulk load

/**
 * A UUID (version 7 layout) for row `i` of entity `kind`: the 48-bit "timestamp" grows with `i`,
 * so for one kind the ids sort in creation order, like the service's own uuidv7().
 */
const uuidSql = (kind: number, i: string): string =>
  `(lpad(to_hex(1764000000000 + ${i}), 12, '0') || '7' || lpad(to_hex(${kind}), 3, '0') || '8' || lpad(to_hex(${i}), 15, '0'))::uuid`;

const LENDER_ID = "01900000-0000-7000-8000-000000000001";
const DPD = `(1 + (g.i * 37) % 400)::int`; // 1..400 days past due, every bucket represented

const LOAD_STEPS: Array<{ table: string; sql: string }> = [
  {
    table: "lender",
    sql: `INSERT INTO lender (id, name, timezone, currency) VALUES ('${LENDER_ID}', 'Bench Lender', 'Europe/London', 'GBP')`,
  },
  {
    table: "borrower",
    sql: `INSERT INTO borrower (id, lender_id, full_name, national_id, date_of_birth, phone, email, address,
            employer, monthly_income_minor, income_currency, timezone, preferred_language, vulnerable, region)
          SELECT ${uuidSql(1, "g.i")}, '${LENDER_ID}', 'Bench Borrower ' || g.i, 'BN' || lpad(g.i::text, 8, '0'),
            date '1960-01-01' + (g.i % 15000)::int, '+4477' || lpad(g.i::text, 8, '0'), 'b' || g.i || '@example.test',
            g.i || ' Bench Street, London', NULL, 250000, 'GBP', 'Europe/London', 'en', false, 'London'
          FROM generate_series(1, $1::bigint) AS g(i)`,
  },
  {
    table: "loan",
    sql: `INSERT INTO loan (id, lender_id, borrower_id, reference, principal_minor, currency, annual_rate_bps,
            term_months, originated_on, status)
          SELECT ${uuidSql(2, "g.i")}, '${LENDER_ID}', ${uuidSql(1, "g.i")}, 'BENCH-' || lpad(g.i::text, 8, '0'),
            45000, 'GBP', 1299, 1, date '${AS_OF}' - ${DPD} - 30, 'DELINQUENT'
          FROM generate_series(1, $1::bigint) AS g(i)`,
  },
  {
    table: "installment",
    sql: `INSERT INTO installment (id, loan_id, seq, due_date, amount_due_minor, amount_paid_minor)
          SELECT ${uuidSql(3, "g.i")}, ${uuidSql(2, "g.i")}, 1, date '${AS_OF}' - ${DPD}, 45000, 0
          FROM generate_series(1, $1::bigint) AS g(i)`,
  },
  {
    table: "collection_case",
    sql: `INSERT INTO collection_case (id, lender_id, loan_id, borrower_id, status, days_past_due, bucket,
            amount_overdue_minor, outstanding_balance_minor, currency, oldest_unpaid_due_date, as_of,
            opened_at, resolved_at, updated_at)
          SELECT ${uuidSql(4, "g.i")}, '${LENDER_ID}', ${uuidSql(2, "g.i")}, ${uuidSql(1, "g.i")}, 'OPEN', ${DPD},
            CASE WHEN ${DPD} <= 30 THEN 'DPD_1_30' WHEN ${DPD} <= 60 THEN 'DPD_31_60' WHEN ${DPD} <= 90 THEN 'DPD_61_90'
                 WHEN ${DPD} <= 180 THEN 'DPD_91_180' ELSE 'DPD_180_PLUS' END,
            45000, 45000, 'GBP', date '${AS_OF}' - ${DPD}, date '${AS_OF}',
            timestamptz '${AS_OF} 02:00:00+00' - make_interval(secs => ($1::bigint - g.i)::double precision / 1000),
            NULL, timestamptz '${AS_OF} 02:00:00+00'
          FROM generate_series(1, $1::bigint) AS g(i)`,
  },
];

async function bulkLoad(client: pg.Client, n: number): Promise<void> {
  // Durability of these commits does not matter (the database is dropped afterwards).
  await client.query("SET synchronous_commit = off");
  for (const step of LOAD_STEPS) {
    const t0 = performance.now();
    const r = await client.query(step.sql, step.table === "lender" ? [] : [n]);
    log(`  ${step.table}: ${r.rowCount} rows in ${secs(performance.now() - t0)}`);
  }
  const t0 = performance.now();
  // VACUUM (ANALYZE) rather than bare ANALYZE so autovacuum does not wake up on the fresh
  // million rows in the middle of the measurements.
  await client.query("VACUUM (ANALYZE) lender, borrower, loan, installment, collection_case");
  log(`  vacuum analyze: ${secs(performance.now() - t0)}`);
  try {
    await client.query("CHECKPOINT"); // keep a checkpoint of the load out of the timings
  } catch {
    // needs superuser or pg_checkpoint on an external server; harmless to skip
  }
}

// ---------------------------------------------------------------------------------------------
// Measurement

async function page(url: string, after: string | null): Promise<{ ms: number; ids: string[]; hasNextPage: boolean }> {
  const t0 = performance.now();
  const res = await fetch(url, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      [INTERNAL_TOKEN_HEADER]: await signInternalToken(
        { sub: "bench", role: "lender", lenderId: lenderOf.get(url)!, scope: readScopes("lender") },
        INTERNAL_KEY,
        "loans",
      ),
    },
    body: JSON.stringify({ query: PAGE_QUERY, variables: { first: PAGE_SIZE, after } }),
  });
  const body = (await res.json()) as {
    data?: { collectionCases: { edges: Array<{ node: { id: string } }>; pageInfo: { hasNextPage: boolean } } };
    errors?: unknown[];
  };
  const elapsed = performance.now() - t0;
  if (!res.ok || body.errors || !body.data) throw new Error(`GraphQL request failed (${res.status}): ${JSON.stringify(body).slice(0, 500)}`);
  const conn = body.data.collectionCases;
  return { ms: elapsed, ids: conn.edges.map((e) => e.node.id), hasNextPage: conn.pageInfo.hasNextPage };
}

interface Stats {
  p50: number;
  p95: number;
}

interface PlanSummary {
  shape: string;
  buffers: number;
  executionMs: number;
}

interface SizeResult {
  n: number;
  loadMs: number;
  first: Stats;
  deep: Stats;
  deepPosition: number;
  firstPlan: PlanSummary;
  deepPlan: PlanSummary;
}

/** EXPLAIN (ANALYZE, BUFFERS) of the statement listCases() sends for the page. */
async function explain(client: pg.Client, afterId: string | null): Promise<PlanSummary> {
  const sql = afterId
    ? `SELECT * FROM collection_case WHERE id > $1 ORDER BY id LIMIT $2`
    : `SELECT * FROM collection_case ORDER BY id LIMIT $1`;
  const params = afterId ? [afterId, PAGE_SIZE + 1] : [PAGE_SIZE + 1];
  // Text plan for the log first, so the JSON one (recorded) is a second, warm execution.
  const text = await client.query(`EXPLAIN (ANALYZE, BUFFERS) ${sql}`, params);
  const r = await client.query(`EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ${sql}`, params);
  log(`  EXPLAIN ${afterId ? "deep page" : "first page"}:\n${text.rows.map((row) => `      ${row["QUERY PLAN"]}`).join("\n")}`);
  const top = (r.rows[0]["QUERY PLAN"] as any[])[0];
  const nodes: string[] = [];
  let buffers = 0;
  const walk = (node: any): void => {
    nodes.push(node["Index Name"] ? `${node["Node Type"]} using ${node["Index Name"]}` : node["Node Type"]);
    for (const child of node.Plans ?? []) walk(child);
  };
  walk(top.Plan);
  buffers = (top.Plan["Shared Hit Blocks"] ?? 0) + (top.Plan["Shared Read Blocks"] ?? 0);
  return { shape: nodes.join(" → "), buffers, executionMs: top["Execution Time"] };
}

/** One loaded size, its service running, ready to be sampled. */
interface Target {
  n: number;
  loadMs: number;
  url: string;
  client: pg.Client;
  deepId: string;
  deepCursor: string;
  deepPosition: number;
  first: number[];
  deep: number[];
}

/** Finds the deep cursor and checks that both pages are what they claim to be. */
async function prepare(target: Omit<Target, "deepId" | "deepCursor" | "deepPosition" | "first" | "deep">): Promise<Target> {
  const { client, url, n } = target;
  const deepPosition = Math.floor(n * DEEP_FRACTION);
  const { rows } = await client.query(`SELECT id FROM collection_case ORDER BY id OFFSET $1 LIMIT 1`, [deepPosition - 1]);
  const deepId: string = rows[0].id;
  const deepCursor = encodeCursor({ id: deepId });
  lenderOf.set(url, (await client.query("SELECT id FROM lender LIMIT 1")).rows[0].id);
  const firstCheck = await page(url, null);
  const deepCheck = await page(url, deepCursor);
  const { rows: expected } = await client.query(
    `SELECT (SELECT id FROM collection_case ORDER BY id LIMIT 1) AS first,
            (SELECT id FROM collection_case WHERE id > $1 ORDER BY id LIMIT 1) AS deep`,
    [deepId],
  );
  if (firstCheck.ids.length !== PAGE_SIZE || firstCheck.ids[0] !== expected[0].first || !firstCheck.hasNextPage) {
    throw new Error(`${label(n)}: the first page is not the first ${PAGE_SIZE} cases in id order`);
  }
  if (deepCheck.ids.length !== PAGE_SIZE || deepCheck.ids[0] !== expected[0].deep || !deepCheck.hasNextPage) {
    throw new Error(`${label(n)}: the deep page does not start right after its cursor`);
  }
  return { ...target, deepId, deepCursor, deepPosition, first: [], deep: [] };
}

/**
 * Samples every size in the same loop, request by request (rotating which size goes first), so
 * that background load on the machine and the warming of this Node process hit all sizes alike
 * and the ratios compare like with like.
 */
async function sample(targets: Target[]): Promise<void> {
  for (let i = 0; i < WARMUP + SAMPLES; i++) {
    for (let k = 0; k < targets.length; k++) {
      const t = targets[(i + k) % targets.length]!;
      const f = await page(t.url, null);
      const d = await page(t.url, t.deepCursor);
      if (i >= WARMUP) {
        t.first.push(f.ms);
        t.deep.push(d.ms);
      }
    }
  }
}

function stats(xs: number[]): Stats {
  const s = [...xs].sort((a, b) => a - b);
  return { p50: percentile(s, 50), p95: percentile(s, 95) };
}

// ---------------------------------------------------------------------------------------------
// Report

function table(results: SizeResult[]): string {
  const lines = [
    "| size (cases) | load time | first page p50 | first page p95 | deep page p50 | deep page p95 |",
    "| ---: | ---: | ---: | ---: | ---: | ---: |",
  ];
  for (const r of results) {
    lines.push(
      `| ${label(r.n)} | ${secs(r.loadMs)} | ${ms(r.first.p50)} ms | ${ms(r.first.p95)} ms | ${ms(r.deep.p50)} ms | ${ms(r.deep.p95)} ms |`,
    );
  }
  return lines.join("\n");
}

interface Ratios {
  small: SizeResult;
  large: SizeResult;
  first: number;
  deep: number;
}

function ratios(results: SizeResult[]): Ratios | null {
  if (results.length < 2) return null;
  const small = results[0]!;
  const large = results.at(-1)!;
  return { small, large, first: large.first.p50 / small.first.p50, deep: large.deep.p50 / small.deep.p50 };
}

const verdict = (r: number): string => (r <= GOAL_RATIO ? "meets the goal" : "**misses the goal**");

function ratioLines(r: Ratios): string {
  const name = `p50 at ${label(r.large.n)} / p50 at ${label(r.small.n)}`;
  return [
    `- First page, ${name}: **${r.first.toFixed(2)}** (${verdict(r.first)} of ≤ ${GOAL_RATIO})`,
    `- Deep page (~${DEEP_FRACTION * 100}% in), ${name}: **${r.deep.toFixed(2)}** (${verdict(r.deep)} of ≤ ${GOAL_RATIO})`,
  ].join("\n");
}

function planLines(results: SizeResult[]): string {
  return results
    .map(
      (r) =>
        `- ${label(r.n)}: first page \`${r.firstPlan.shape}\`, ${r.firstPlan.buffers} buffers, ${r.firstPlan.executionMs.toFixed(3)} ms; ` +
        `deep page \`${r.deepPlan.shape}\`, ${r.deepPlan.buffers} buffers, ${r.deepPlan.executionMs.toFixed(3)} ms`,
    )
    .join("\n");
}

function section(results: SizeResult[], r: Ratios, machine: string, runMs: number): string {
  const met = r.first <= GOAL_RATIO && r.deep <= GOAL_RATIO;
  const date = new Date().toISOString().slice(0, 10);
  return `${SECTION_TITLE}

Command: \`npm run bench:scale\` (\`bench/scale.ts\`) · date: ${date} · machine: ${machine} · whole run: ${secs(runMs)}

For each size the script creates a fresh database, starts the loans subgraph in-process on it (which
migrates it), bulk-loads one lender and N borrowers, loans, overdue installments and open collection
cases with set-based \`INSERT … SELECT generate_series\` into the real schema (all constraints and indexes
in place), runs \`VACUUM (ANALYZE)\`, then times \`collectionCases(first: ${PAGE_SIZE})\` over HTTP
(\`id daysPastDue bucket amountOverdue { amountMinor currency }\` plus \`pageInfo\`, no \`totalCount\`):
the first page, and a page whose \`after\` cursor is the case ${DEEP_FRACTION * 100}% of the way through the id order
(${results.map((x) => `#${x.deepPosition.toLocaleString("en-US")} of ${label(x.n)}`).join(", ")}).
All sizes stay loaded and are sampled in one loop, request by request (${WARMUP} warm-up rounds, then
${SAMPLES} samples of each page at each size), so background load hits every size alike; latency is
measured by the client, end to end over HTTP on 127.0.0.1, so absolute figures include whatever else
the machine was running (see the load average above); the ratios compare interleaved samples.

${table(results)}

${ratioLines(r)}

${
  met
    ? `Goal met: a page costs the same at ${label(r.large.n)} cases as at ${label(r.small.n)}.`
    : `Goal **not** met on this run (ratio above ${GOAL_RATIO}); see the plans below.`
} Pagination is keyset on the primary key
(\`WHERE id > $cursor ORDER BY id LIMIT ${PAGE_SIZE + 1}\`), so each page is one descent of the \`collection_case_pkey\`
B-tree plus ${PAGE_SIZE + 1} index entries and their heap rows: a page ~90% deep touches as few buffers as the first,
and only the height of the tree grows with N (logarithmically). There is no OFFSET to skip over,
and \`totalCount\` (the only query whose cost is linear in N) runs only when it is asked for, which these
pages do not do.

Plans (\`EXPLAIN (ANALYZE, BUFFERS)\` of the page statement, after the run):

${planLines(results)}
`;
}


// ---------------------------------------------------------------------------------------------
// Main

const { defer, cleanup } = cleanupStack(log);

async function main(): Promise<void> {
  const runStart = performance.now();
  const args = parseArgs(process.argv.slice(2));
  const e = env();
  let server: DatabaseServer;
  const externalUrl = e.TEST_DATABASE_URL ?? e.DATABASE_URL;
  if (externalUrl) {
    server = { url: externalUrl, embedded: false, stop: async () => {} };
    log(`using the PostgreSQL server at ${e.TEST_DATABASE_URL ? "TEST_DATABASE_URL" : "DATABASE_URL"}`);
  } else {
    log("starting an embedded PostgreSQL");
    server = await startEmbeddedPostgres({ dir: join(e.dataDir, "bench-pg"), port: 0, persistent: false });
    defer(() => server.stop());
  }

  const logger = createLogger("loans").child({}, { level: "silent" });
  const targets: Target[] = [];
  let version = "";
  for (const n of args.sizes) {
    const name = `bench_scale_${n}`;
    log(`size ${label(n)}: fresh database ${name}`);
    await dropDatabase(server.url, name);
    const dbUrl = await ensureDatabase(server.url, name);
    defer(() => dropDatabase(server.url, name));

    const service: LoansService = await start({ databaseUrl: dbUrl, logger, gatewayKeys: localJwks(internalJwks([INTERNAL_KEY])) });
    defer(() => service.stop());
    const client = new pg.Client({ connectionString: dbUrl });
    await client.connect();
    defer(() => client.end());
    version ||= (await client.query("SHOW server_version")).rows[0].server_version;

    log(`size ${label(n)}: loading ${n} cases`);
    const t0 = performance.now();
    await bulkLoad(client, n);
    const loadMs = performance.now() - t0;
    log(`size ${label(n)}: loaded in ${secs(loadMs)}; serving at ${service.url}`);
    targets.push(await prepare({ n, loadMs, url: service.url, client }));
  }

  const load = loadavg()[0]!;
  log(`sampling ${targets.map((t) => label(t.n)).join(" and ")} interleaved: ${WARMUP} warm-up + ${SAMPLES} samples of each page (load average ${load.toFixed(2)})`);
  await sample(targets);
  const results: SizeResult[] = [];
  for (const t of targets) {
    const r: SizeResult = {
      n: t.n,
      loadMs: t.loadMs,
      first: stats(t.first),
      deep: stats(t.deep),
      deepPosition: t.deepPosition,
      firstPlan: await explain(t.client, null),
      deepPlan: await explain(t.client, t.deepId),
    };
    log(`size ${label(t.n)}: first p50 ${ms(r.first.p50)} ms p95 ${ms(r.first.p95)} ms; deep p50 ${ms(r.deep.p50)} ms p95 ${ms(r.deep.p95)} ms`);
    results.push(r);
  }
  const loadAfter = loadavg()[0]!;
  await cleanup();

  const runMs = performance.now() - runStart;
  const cpu = cpus();
  const machine =
    `${cpu.length} cores (${cpu[0]?.model.trim() ?? "unknown CPU"}), ${externalUrl ? "PostgreSQL" : "embedded PostgreSQL"} ` +
    `${version.split(" ")[0]}, Node ${process.version}; 1-min load average ${load.toFixed(1)} before sampling, ${loadAfter.toFixed(1)} after`;
  const r = ratios(results);

  console.log(`\n${table(results)}\n`);
  if (r) console.log(`${ratioLines(r)}\n`);
  console.log(`Plans:\n${planLines(results)}\n`);
  console.log(`Machine: ${machine}. Whole run: ${secs(runMs)}.`);

  if (args.write && r) {
    const file = writeBenchmarkSection(SECTION_TITLE, section(results, r, machine, runMs));
    console.log(`Updated ${file}`);
  } else {
    console.log("BENCHMARKS.md not updated (custom --sizes or --no-write; pass --write to record).");
  }
}

let stopping = false;
for (const sig of ["SIGINT", "SIGTERM"] as const) {
  process.once(sig, () => {
    if (stopping) return;
    stopping = true;
    log(`${sig}: stopping`);
    void cleanup().finally(() => process.exit(130));
  });
}

main().then(
  () => process.exit(0),
  async (err) => {
    console.error(err instanceof Error ? (err.stack ?? err.message) : err);
    await cleanup();
    process.exit(1);
  },
);
