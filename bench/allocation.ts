/**
 * `npm run bench:allocation`: allocateCases over 100,000 open cases and 20 agencies, in one
 * run on a fresh database: the time it takes and how evenly it spreads the cases.
 * Writes its section of BENCHMARKS.md (pass --no-write to only print).
 */
import { writeBenchmarkSection } from "./support";
import { join } from "node:path";
import { tmpdir, cpus } from "node:os";
import { performance } from "node:perf_hooks";
import {
  createDataSource,
  subgraphMigrations,
  dropDatabase,
  ensureDatabase,
  env,
  FixedClock,
  migrate,
  startEmbeddedPostgres,
  type DatabaseServer,
} from "@concord/service-kit";
import { migrations } from "@concord/agencies";
import { allocateCases } from "../subgraphs/agencies/src/modules/placement/allocation";

const CASES = Number(process.argv.find((a) => a.startsWith("--cases="))?.slice(8) ?? 100_000);
const AGENCIES = 20;
const REGIONS = 10;
const write = !process.argv.includes("--no-write");

const e = env();
let server: DatabaseServer | undefined;
const serverUrl = e.TEST_DATABASE_URL ?? e.DATABASE_URL ?? (server = await startEmbeddedPostgres({ dir: join(tmpdir(), `concord-bench-alloc-${process.pid}`), port: 0, persistent: false })).url;
const name = `bench_alloc_${process.pid}`;
const url = await ensureDatabase(serverUrl, name);
const ds = await createDataSource({ url, migrations: subgraphMigrations(migrations) });
try {
  await migrate(ds);
  const lender = "01930000-0000-7000-8000-000000000001";
  // 20 agencies: each serves 2-3 of 10 regions; capacities vary (5,000 to 9,000), 140k in all.
  await ds.query(
    `INSERT INTO agency (id, name, licence_number, licence_review_due, regions, capacity, channels, status)
     SELECT ('01930000-0000-7000-8000-' || lpad(g::text, 12, '0'))::uuid, 'Agency ' || g, 'LIC-' || g, '2030-01-01',
            ARRAY['R' || (g % ${REGIONS}), 'R' || ((g + 3) % ${REGIONS})] || CASE WHEN g % 2 = 0 THEN ARRAY['R' || ((g + 7) % ${REGIONS})] ELSE '{}'::text[] END,
            5000 + (g % 5) * 1000, '{CALL}', 'ACTIVE'
       FROM generate_series(1, ${AGENCIES}) g`,
  );
  await ds.query(
    `INSERT INTO case_directory (case_id, lender_id, region, bucket, status, days_past_due, version)
     SELECT ('01940000-0000-7000-8000-' || lpad(g::text, 12, '0'))::uuid, $1, 'R' || (g % ${REGIONS}), 'DPD_31_60', 'OPEN', 45, 1
       FROM generate_series(1, $2::int) g`,
    [lender, CASES],
  );
  await ds.query("VACUUM ANALYZE agency, case_directory");
  const clock = new FixedClock(new Date("2026-11-25T10:00:00Z"));
  const t0 = performance.now();
  const out = await allocateCases(ds, clock, { sub: "bench", role: "lender", lenderId: lender, scope: [] },
    { expiresAt: new Date("2027-02-01T00:00:00Z"), commissionBps: 1500, maxDiscountBps: 1000, maxInstalments: 12 }, null);
  const seconds = (performance.now() - t0) / 1000;
  const shares = out.byAgency.map((a) => a.activeAfter / a.capacity);
  const min = Math.min(...shares);
  const max = Math.max(...shares);
  const over = out.byAgency.filter((a) => a.activeAfter > a.capacity).length;
  const [{ active }] = await ds.query("SELECT count(*)::int AS active FROM placement WHERE status = 'ACTIVE'");
  const reasons = out.unplaced.reduce<Record<string, number>>((m, u) => ((m[u.reason] = (m[u.reason] ?? 0) + 1), m), {});
  const lines = [
    "## Allocation: allocateCases over 100,000 open cases and 20 agencies",
    "",
    `Command: \`npm run bench:allocation\` (\`bench/allocation.ts\`) · date: ${new Date().toISOString().slice(0, 10)} · machine: ${cpus().length} cores, ${server ? "embedded PostgreSQL 17" : "PostgreSQL at TEST_DATABASE_URL"}, Node ${process.version}`,
    "",
    `One lender's ${CASES.toLocaleString("en")} open cases over ${REGIONS} regions; ${AGENCIES} active agencies, each serving 2 or 3 regions, capacities 5,000–9,000 (${out.byAgency.reduce((s, a) => s + a.capacity, 0).toLocaleString("en")} in all). One call of the service, in one transaction (placements, their PlacementStarted outbox rows and the agencies subgraph's own case-directory rows written set-based, one statement each).`,
    "",
    "| cases | agencies | time | placed | unplaced | capacity used per agency (min – max) | agencies past capacity |",
    "| ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    `| ${CASES.toLocaleString("en")} | ${AGENCIES} | ${seconds.toFixed(1)} s | ${out.placed.length.toLocaleString("en")} | ${out.unplaced.length.toLocaleString("en")} ${JSON.stringify(reasons)} | ${(min * 100).toFixed(1)}% – ${(max * 100).toFixed(1)}% | ${over} |`,
    "",
    `ACTIVE placements in the database afterwards: ${active.toLocaleString("en")} (one per placed case). Each case goes to the eligible agency with the lowest share of its capacity in use, so agencies that serve the same regions fill evenly; the spread between the least and most used agency comes from regions served by fewer agencies.`,
    "",
  ];
  console.log(lines.join("\n"));
  if (write) {
    writeBenchmarkSection(lines[0]!, lines.join("\n"));
    console.log("Updated BENCHMARKS.md");
  }
} finally {
  await ds.destroy();
  await dropDatabase(serverUrl, name).catch(() => undefined);
  await server?.stop();
}
