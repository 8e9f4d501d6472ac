/**
 * `npm run bench:outreach`: reportActivity through the gateway, with the compliance check, with
 * 100,000 activities already in the counting window, and contactPolicy's latency.
 *
 *   npm run bench:outreach                          # writes its section of BENCHMARKS.md
 *   npm run bench:outreach -- --seconds=5 --no-write  # a quick run that only prints
 *
 * The gateway and the outreach subgraph run as their own processes, from their real entry points
 * (`gateway/src/main.ts`, `subgraphs/outreach/src/main.ts`) with NODE_ENV=production and their
 * production defaults (pool of 10 connections, the PostgreSQL bus in a database of its own), so
 * each process's CPU is its own; this process loads the data and drives the requests over HTTP
 * with agencies' JWTs from a test issuer the gateway trusts. PostgreSQL is TEST_DATABASE_URL or
 * DATABASE_URL when set, else a throwaway embedded server; databases and server are removed at
 * the end.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { Agent, request } from "node:http";
import { createServer } from "node:net";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import pg from "pg";
import { dropDatabase, ensureDatabase, env, repoRoot, startEmbeddedPostgres, type DatabaseServer } from "@concord/service-kit";
import { roleScopes } from "@concord/schema";
import { createTestIssuer, internalHeaders, TEST_AUDIENCE, TEST_INTERNAL_JWKS, TEST_INTERNAL_KEY, TEST_ISSUER, until } from "@concord/test-kit";
import { cleanupStack, percentile, writeBenchmarkSection } from "./support";

const SECTION_TITLE = "## Outreach: reportActivity throughput and contactPolicy latency through the gateway";
const GOAL_REPORTS_PER_S = 1_000;
const GOAL_POLICY_P99_MS = 10;
const DAY_MS = 86_400_000;

// ---------------------------------------------------------------------------------------------
// Arguments

const DEFAULTS = {
  cases: 20_000,
  activities: 100_000,
  agencies: 4,
  lenders: 2,
  /** reportActivity: in-flight requests, seconds measured (after a warm-up). */
  concurrency: 64,
  seconds: 20,
  warmup: 3,
  /** Share of reports that are a retry of an earlier accepted one (same key, same content). */
  retryShare: 0.1,
  /** Share of new reports sent twice at once (a client retrying before the first answer). */
  twinShare: 0.02,
  /** contactPolicy: in-flight requests under load, and seconds at that and at 1 in flight. */
  policyConcurrency: 16,
  policySeconds: 10,
  latencySeconds: 8,
};
type Args = typeof DEFAULTS & { write: boolean };

function parseArgs(argv: string[]): Args {
  const a: Record<string, number> = { ...DEFAULTS };
  let write: boolean | undefined;
  for (const arg of argv) {
    if (arg === "--write") write = true;
    else if (arg === "--no-write") write = false;
    else if (arg === "--help" || arg === "-h") {
      console.log(`Usage: npm run bench:outreach -- [${Object.keys(DEFAULTS).map((k) => `--${k}=${DEFAULTS[k as keyof typeof DEFAULTS]}`).join(" ")}] [--write | --no-write]`);
      process.exit(0);
    } else {
      const m = /^--(\w+)=(.+)$/.exec(arg);
      if (!m || !(m[1]! in DEFAULTS)) throw new Error(`Unknown argument ${arg}`);
      const n = Number(m[2]!.replace(/_/g, ""));
      if (!Number.isFinite(n) || n < 0) throw new Error(`--${m[1]} needs a number`);
      a[m[1]!] = n;
    }
  }
  const isDefault = Object.entries(DEFAULTS).every(([k, v]) => a[k] === v);
  return { ...(a as typeof DEFAULTS), write: write ?? isDefault };
}

// ---------------------------------------------------------------------------------------------
// Helpers

const log = (msg: string): void => void process.stderr.write(`[bench:outreach] ${msg}\n`);
const int = (v: number): string => Math.round(v).toLocaleString("en-US");
const ms = (v: number): string => (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2));
const pct = (v: number): string => `${(v * 100).toFixed(0)}%`;
const { defer, cleanup } = cleanupStack(log);

/** A deterministic pseudo-random sequence (mulberry32), so every run drives the same mix. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** CPU seconds (user + system) of a process from /proc; with `children`, of the children it has waited for too. */
function procCpu(pid: number, children = false): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // Fields after the name, from field 3 (state): utime is 14, stime 15, cutime 16, cstime 17.
  const at = (n: number) => Number(f[n - 3]);
  return (at(14) + at(15) + (children ? at(16) + at(17) : 0)) / 100;
}

const ppidOf = (pid: number): number => {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
};

/** CPU seconds of the whole PostgreSQL server: the postmaster, the children it reaped and those alive. */
function postgresCpu(postmaster: number): number {
  let total = procCpu(postmaster, true);
  for (const d of readdirSync("/proc")) {
    if (!/^\d+$/.test(d)) continue;
    try {
      if (ppidOf(Number(d)) === postmaster) total += procCpu(Number(d));
    } catch {
      // gone meanwhile
    }
  }
  return total;
}

/** One service process, from its real entry point. */
class Service {
  private readonly exited: Promise<number | null>;
  private stderr = "";
  constructor(
    readonly name: string,
    readonly proc: ChildProcess,
  ) {
    proc.stderr!.on("data", (d: Buffer) => {
      this.stderr = (this.stderr + d.toString()).slice(-4000);
      process.stderr.write(d);
    });
    proc.stdout!.on("data", (d: Buffer) => process.stderr.write(d));
    this.exited = new Promise((resolve) =>
      proc.on("exit", (code, signal) => {
        if (code !== 0) log(`${name} exited with ${signal ?? code}`);
        resolve(code);
      }),
    );
  }

  static start(name: string, main: string, envs: Record<string, string>): Service {
    const base = { ...process.env };
    // Only what this process is told: never the bench's own server or a developer's settings.
    for (const k of Object.keys(base)) if (/DATABASE_URL$|^BUS_URL$|^SUBGRAPH_URL_|_PORT$|^PORT$|^JWKS_|^INTERNAL_/.test(k)) delete base[k];
    // BENCH_CPU_PROF=<dir>: a V8 CPU profile of each process, written as it exits (a diagnostic).
    const prof = process.env.BENCH_CPU_PROF ? ["--cpu-prof", "--cpu-prof-dir", process.env.BENCH_CPU_PROF] : [];
    const proc = spawn(process.execPath, [...prof, "--import", "tsx", join(repoRoot, main)], {
      cwd: repoRoot,
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...base, NODE_ENV: "production", LOG_LEVEL: process.env.LOG_LEVEL ?? "warn", HOST: "127.0.0.1", ...envs },
    });
    return new Service(name, proc);
  }

  async ready(healthUrl: string): Promise<void> {
    const exited = this.exited.then((code) => {
      throw new Error(`${this.name} exited (${code}) before it was ready: ${this.stderr}`);
    });
    const up = until(
      async () => {
        try {
          return (await fetch(healthUrl)).ok;
        } catch {
          return false;
        }
      },
      `${this.name} to answer /health`,
      60_000,
      200,
    );
    await Promise.race([up, exited]);
  }

  cpu(): number {
    return procCpu(this.proc.pid!);
  }

  async stop(): Promise<void> {
    if (this.proc.exitCode !== null || this.proc.signalCode !== null) return;
    this.proc.kill("SIGTERM");
    const timer = setTimeout(() => this.proc.kill("SIGKILL"), process.env.BENCH_CPU_PROF ? 60_000 : 15_000);
    await this.exited;
    clearTimeout(timer);
  }
}

/** POSTs GraphQL over kept-alive connections (node:http: far cheaper for this process than fetch). */
class GraphqlClient {
  private readonly agent: Agent;
  private readonly url: URL;
  constructor(url: string, sockets: number) {
    this.url = new URL(url);
    this.agent = new Agent({ keepAlive: true, maxSockets: sockets });
  }

  post<T>(token: string, query: string, variables: Record<string, unknown>): Promise<{ body: { data?: T; errors?: Array<{ message: string; extensions?: { code?: string } }> }; ms: number }> {
    return this.postWith({ authorization: `Bearer ${token}` }, query, variables);
  }

  postWith<T>(headers: Record<string, string>, query: string, variables: Record<string, unknown>): Promise<{ body: { data?: T; errors?: Array<{ message: string; extensions?: { code?: string } }> }; ms: number }> {
    const payload = JSON.stringify({ query, variables });
    const t0 = performance.now();
    return new Promise((resolve, reject) => {
      const req = request(
        {
          agent: this.agent,
          host: this.url.hostname,
          port: this.url.port,
          path: this.url.pathname,
          method: "POST",
          headers: { "content-type": "application/json", "content-length": Buffer.byteLength(payload), ...headers },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("end", () => {
            const text = Buffer.concat(chunks).toString();
            try {
              resolve({ body: JSON.parse(text), ms: performance.now() - t0 });
            } catch {
              reject(new Error(`HTTP ${res.statusCode}: ${text.slice(0, 300)}`));
            }
          });
          res.on("error", reject);
        },
      );
      req.on("error", reject);
      req.end(payload);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

/** Runs `next()` with `concurrency` in flight until `seconds` have passed; returns the wall time. */
async function drive(concurrency: number, seconds: number, next: () => Promise<void>): Promise<number> {
  const t0 = performance.now();
  const end = t0 + seconds * 1000;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < end) await next();
    }),
  );
  return (performance.now() - t0) / 1000;
}

/**
 * IANA zones around the globe, of which those where it is now between 09:00 and 20:00 are the
 * borrowers' (agencies call borrowers whose day it is, so the hours rule passes and the other
 * rules decide); the run lasts minutes, well inside that margin of contact hours (08:00-21:00).
 */
const ZONES = [
  "Pacific/Honolulu", "America/Anchorage", "America/Los_Angeles", "America/Denver", "America/Chicago", "America/New_York",
  "America/Sao_Paulo", "Atlantic/Azores", "Europe/London", "Europe/Berlin", "Europe/Athens", "Asia/Dubai", "Asia/Karachi",
  "Asia/Kolkata", "Asia/Dhaka", "Asia/Bangkok", "Asia/Shanghai", "Asia/Tokyo", "Australia/Sydney", "Pacific/Noumea", "Pacific/Auckland",
];
function daytimeZones(now: Date): string[] {
  return ZONES.filter((tz) => {
    const [h, m] = new Intl.DateTimeFormat("en-GB", { timeZone: tz, hour: "2-digit", minute: "2-digit", hourCycle: "h23" }).format(now).split(":").map(Number);
    const minute = h! * 60 + m!;
    return minute >= 9 * 60 && minute < 20 * 60;
  });
}

/** A deterministic UUID from a label (ids of the bench's lenders, agencies, cases). */
const idOf = (label: string): string => {
  const h = createHash("sha256").update(label).digest("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
};

// ---------------------------------------------------------------------------------------------
// The workload

const REPORT = `mutation($input: ReportActivityInput!) {
  reportActivity(input: $input) { replayed activity { id flagged } violations { rule } }
}`;
const POLICY = `query($caseId: ID!, $channel: Channel!) {
  contactPolicy(caseId: $caseId, channel: $channel) {
    allowed nextAllowedAt timeZone blockedBy { rule until }
    counters { callAttemptsInWindow connectedCallsToday unansweredCallsToday lastConversationAt }
    profile { jurisdiction version }
  }
}`;

/** What collectors report, and how often (reports of a case that broke a rule are stored all the same). */
const MIX: Array<{ weight: number; channel: string; outcome: string; point: string; duration?: number; notes?: string }> = [
  { weight: 35, channel: "CALL", outcome: "NO_ANSWER", point: "phone", duration: 30 },
  { weight: 15, channel: "CALL", outcome: "VOICEMAIL", point: "phone", duration: 45, notes: "Left a message asking for a call back." },
  { weight: 5, channel: "CALL", outcome: "BUSY", point: "work-phone", duration: 5 },
  { weight: 5, channel: "CALL", outcome: "RIGHT_PARTY_CONTACT", point: "phone", duration: 240, notes: "Discussed the arrears; borrower will review the budget." },
  { weight: 3, channel: "CALL", outcome: "PROMISE_TO_PAY", point: "phone", duration: 300, notes: "Promised to pay the overdue instalment on Friday." },
  { weight: 20, channel: "SMS", outcome: "DELIVERED", point: "mobile" },
  { weight: 17, channel: "EMAIL", outcome: "DELIVERED", point: "email" },
];
const MIX_TOTAL = MIX.reduce((s, m) => s + m.weight, 0);
const pickMix = (r: number) => {
  let x = r * MIX_TOTAL;
  for (const m of MIX) if ((x -= m.weight) < 0) return m;
  return MIX.at(-1)!;
};

interface Case {
  id: string;
  agency: number;
}

interface ReportStats {
  sent: number;
  stored: number;
  replayed: number;
  /** Retries (sent after the first was answered) that came back replayed with the first's id. */
  retriesOk: number;
  retriesBad: number;
  /** Pairs sent at once of which exactly one stored. */
  twinsOk: number;
  twinsBad: number;
  flagged: number;
  violations: Record<string, number>;
  errors: Record<string, number>;
  latencies: number[];
  storedIds: string[];
}
const newStats = (): ReportStats => ({ sent: 0, stored: 0, replayed: 0, retriesOk: 0, retriesBad: 0, twinsOk: 0, twinsBad: 0, flagged: 0, violations: {}, errors: {}, latencies: [], storedIds: [] });

// ---------------------------------------------------------------------------------------------
// Main

async function main(): Promise<void> {
  const runStart = performance.now();
  const args = parseArgs(process.argv.slice(2));
  const e = env();
  const loadBefore = loadavg()[0]!;
  log(`${int(args.cases)} cases, ${int(args.activities)} activities; reports at ${args.concurrency} in flight for ${args.seconds} s; load average ${loadBefore.toFixed(2)}`);

  // PostgreSQL, the outreach database and the bus's.
  let server: DatabaseServer | undefined;
  const serverUrl =
    e.TEST_DATABASE_URL ??
    e.DATABASE_URL ??
    (server = await startEmbeddedPostgres({ dir: join(tmpdir(), `concord-bench-outreach-${process.pid}`), port: 0, persistent: false })).url;
  if (server) defer(() => server!.stop());
  const dbName = `bench_outreach_${process.pid}`;
  const busName = `bench_outreach_bus_${process.pid}`;
  const dbUrl = await ensureDatabase(serverUrl, dbName);
  defer(() => dropDatabase(serverUrl, dbName));
  const busUrl = await ensureDatabase(serverUrl, busName);
  defer(() => dropDatabase(serverUrl, busName));
  const work = mkdtempSync(join(tmpdir(), "concord-bench-outreach-"));
  defer(async () => rmSync(work, { recursive: true, force: true }));

  // Keys: the callers' issuer (the gateway holds its JWKS), the gateway's internal-token key
  // (the subgraph holds only its public JWKS).
  const issuer = await createTestIssuer();
  const files = { jwks: join(work, "jwks.json"), internalJwks: join(work, "internal-jwks.json"), internalKey: join(work, "internal-key.pem") };
  writeFileSync(files.jwks, JSON.stringify(issuer.jwks()));
  writeFileSync(files.internalJwks, JSON.stringify(TEST_INTERNAL_JWKS));
  writeFileSync(files.internalKey, TEST_INTERNAL_KEY.key.export({ format: "pem", type: "pkcs8" }).toString());

  // The outreach subgraph (it migrates its database as it starts).
  const outreachPort = await freePort();
  const outreach = Service.start("outreach", "subgraphs/outreach/src/main.ts", {
    OUTREACH_DATABASE_URL: dbUrl,
    OUTREACH_PORT: String(outreachPort),
    BUS_URL: busUrl,
    INTERNAL_JWKS_FILE: files.internalJwks,
  });
  defer(() => outreach.stop());
  await outreach.ready(`http://127.0.0.1:${outreachPort}/health`);
  log(`outreach pid ${outreach.proc.pid} on port ${outreachPort}`);

  const db = new pg.Pool({ connectionString: dbUrl, max: 4 });
  defer(() => db.end());
  const q = async <T = Record<string, any>>(sql: string, params: unknown[] = []): Promise<T[]> => (await db.query(sql, params)).rows as T[];
  const [{ pid: backendPid, version: pgVersionRaw }] = await q<{ pid: number; version: string }>("SELECT pg_backend_pid() AS pid, current_setting('server_version') AS version");
  const postmaster = ppidOf(backendPid);
  const pgVersion = `${server ? "embedded " : ""}PostgreSQL ${pgVersionRaw.split(" ")[0]}`;

  // ---- Data: lenders, agencies, cases placed with them, their time zones, a few holds, and the
  // activities of the last 7 days, all set-based into the real schema (constraints and indexes in place).
  const t0 = performance.now();
  const now = new Date();
  const zones = daytimeZones(now);
  if (zones.length === 0) throw new Error("no zone in daytime: extend ZONES");
  const lenders = Array.from({ length: args.lenders }, (_, i) => idOf(`lender-${i}`));
  const agencies = Array.from({ length: args.agencies }, (_, i) => idOf(`agency-${i}`));
  // Case g (1-based) belongs to lender g % lenders and is placed with agency g % agencies.
  await q(
    `INSERT INTO case_directory (case_id, lender_id, borrower_id, loan_id, region, status, bucket, days_past_due, version, timezone)
     SELECT ('c0000000-0000-4000-8000-' || lpad(g::text, 12, '0'))::uuid, ($2::uuid[])[1 + g % $3], gen_random_uuid(), gen_random_uuid(),
            'R' || (g % 10), 'OPEN', (ARRAY['DPD_1_30', 'DPD_31_60', 'DPD_61_90'])[1 + g % 3], 1 + g % 90, 1, ($4::text[])[1 + g % $5]
       FROM generate_series(1, $1::int) g`,
    [args.cases, lenders, args.lenders, zones, zones.length],
  );
  await q(
    `INSERT INTO case_directory_placement (placement_id, case_id, agency_id, placed_at, expires_at, max_discount_bps, max_instalments, channels)
     SELECT gen_random_uuid(), ('c0000000-0000-4000-8000-' || lpad(g::text, 12, '0'))::uuid, ($2::uuid[])[1 + g % $3],
            now() - interval '20 days', now() + interval '70 days', 1000, 12, '{CALL,SMS,EMAIL}'
       FROM generate_series(1, $1::int) g`,
    [args.cases, agencies, args.agencies],
  );
  // One case in a hundred is under a dispute hold (every channel, until it is lifted).
  await q(
    `INSERT INTO case_directory_contact_hold (hold_id, case_id, kind, channels, starts_at)
     SELECT gen_random_uuid(), ('c0000000-0000-4000-8000-' || lpad(g::text, 12, '0'))::uuid, 'DISPUTE', '{}', now() - interval '3 days'
       FROM generate_series(100, $1::int, 100) g`,
    [args.cases],
  );
  // Activities: spread evenly over the cases and uniformly over the last 7 days, in the report mix
  // (weights as MIX), ids UUIDv7 of their report time as the service writes them.
  const mixSql = MIX.map((m, i) => `(${i}, ${m.weight}, '${m.channel}', '${m.outcome}', '${m.point}', ${m.duration ?? "NULL"}, ${m.notes ? `'${m.notes.replace(/'/g, "''")}'` : "NULL"})`).join(", ");
  await q(
    `WITH mix(i, weight, channel, outcome, point, duration, notes) AS (VALUES ${mixSql}),
          cum AS (SELECT *, sum(weight) OVER (ORDER BY i) - weight AS lo, sum(weight) OVER (ORDER BY i) AS hi FROM mix),
          a AS (
            SELECT g, 1 + (g * 7919) % $2 AS c, now() - (((g::bigint * 2654435761) % 604000) || ' seconds')::interval AS t,
                   (g::bigint * 40503) % ${MIX_TOTAL} AS r
              FROM generate_series(1, $1::int) g)
     INSERT INTO activity (id, case_id, lender_id, borrower_id, reporter_role, reporter_org, agency_id, idempotency_key, content_hash,
                           channel, direction, party, contact_point, outcome, occurred_at, agent_id, notes, duration_seconds, violation_count, reported_at)
     SELECT (lpad(to_hex((extract(epoch FROM a.t) * 1000)::bigint + 60000), 12, '0') || '7' || substr(md5(a.g::text), 1, 3) || '8' || substr(md5(a.g::text), 4, 15))::uuid,
            d.case_id, d.lender_id, d.borrower_id, 'agency', p.agency_id, p.agency_id, 'history-' || a.g, md5(a.g::text),
            cum.channel, 'OUTBOUND', 'DEBTOR', cum.point, cum.outcome, a.t, NULL, cum.notes, cum.duration, 0, a.t + interval '1 minute'
       FROM a
       JOIN case_directory d ON d.case_id = ('c0000000-0000-4000-8000-' || lpad(a.c::text, 12, '0'))::uuid
       JOIN case_directory_placement p ON p.case_id = d.case_id
       JOIN cum ON a.r >= cum.lo AND a.r < cum.hi`,
    [args.activities, args.cases],
  );
  await q("VACUUM ANALYZE activity, case_directory, case_directory_placement, case_directory_contact_hold");
  const [{ n: loaded }] = await q<{ n: number }>("SELECT count(*)::int AS n FROM activity WHERE occurred_at > now() - interval '7 days'");
  if (loaded !== args.activities) throw new Error(`loaded ${loaded} activities in the last 7 days, expected ${args.activities}`);
  const loadSeconds = (performance.now() - t0) / 1000;
  log(`loaded ${int(loaded)} activities over ${int(args.cases)} cases in ${loadSeconds.toFixed(1)} s; zones ${zones.join(", ")}`);

  // ---- The gateway.
  const gatewayPort = await freePort();
  const gateway = Service.start("gateway", "gateway/src/main.ts", {
    PORT: String(gatewayPort),
    JWKS_FILE: files.jwks,
    JWT_ISSUER: TEST_ISSUER,
    JWT_AUDIENCE: TEST_AUDIENCE,
    INTERNAL_SIGNING_KEY_FILE: files.internalKey,
    SUBGRAPH_URL_OUTREACH: `http://127.0.0.1:${outreachPort}/graphql`,
    // Not running here, and never asked by these operations: nowhere rather than a developer's ports.
    SUBGRAPH_URL_LOANS: "http://127.0.0.1:9/graphql",
    SUBGRAPH_URL_AGENCIES: "http://127.0.0.1:9/graphql",
    BUS_URL: busUrl,
  });
  defer(() => gateway.stop());
  await gateway.ready(`http://127.0.0.1:${gatewayPort}/health`);
  log(`gateway pid ${gateway.proc.pid} on port ${gatewayPort}`);
  const client = new GraphqlClient(`http://127.0.0.1:${gatewayPort}/graphql`, Math.max(args.concurrency, args.policyConcurrency) * 2);
  defer(async () => client.close());

  const agencyTokens = await Promise.all(agencies.map((a) => issuer.mint({ role: "agency", agency_id: a, sub: `agent-system-${a.slice(0, 8)}` }, { expiresIn: 3600 })));
  // The second lender follows CN_NIFA (caps per day), set the way a lender does; the directory
  // applies it from the bus before anything is measured.
  if (args.lenders > 1) {
    const token = await issuer.mint({ role: "lender", lender_id: lenders[1]! }, { expiresIn: 600 });
    const { body } = await client.post(token, `mutation { setContactProfile(jurisdiction: CN_NIFA) { version } }`, {});
    if (body.errors) throw new Error(`setContactProfile failed: ${JSON.stringify(body.errors)}`);
    await until(async () => (await q("SELECT 1 FROM case_directory_profile WHERE lender_id = $1", [lenders[1]])).length > 0, "the directory to apply the profile", 30_000, 100);
  }

  const cases: Case[] = Array.from({ length: args.cases }, (_, i) => ({ id: `c0000000-0000-4000-8000-${String(i + 1).padStart(12, "0")}`, agency: (i + 1) % args.agencies }));
  const random = rng(42);
  let keys = 0;
  /** Reports accepted so far, for retries: the agency, the input and the id stored. */
  const done: Array<{ agency: number; input: Record<string, unknown>; id: string }> = [];

  const newInput = () => {
    const c = cases[Math.floor(random() * cases.length)]!;
    const m = pickMix(random());
    const input: Record<string, unknown> = {
      idempotencyKey: `bench-${process.pid}-${++keys}`,
      caseId: c.id,
      channel: m.channel,
      direction: "OUTBOUND",
      // Made in the last 10 minutes, as an agency system reports its calls.
      occurredAt: new Date(Date.now() - Math.floor(random() * 600_000)).toISOString(),
      outcome: m.outcome,
      agentId: idOf(`agent-${c.agency}-${Math.floor(random() * 50)}`),
      contactPoint: m.point,
      ...(m.duration !== undefined ? { durationSeconds: m.duration } : {}),
      ...(m.notes ? { notes: m.notes } : {}),
      // A promise is required with PROMISE_TO_PAY: due three days on (inside any zone's window).
      ...(m.outcome === "PROMISE_TO_PAY" ? { promise: { amountMinor: 5000, currency: "GBP", dueDate: new Date(Date.now() + 3 * 86_400_000).toISOString().slice(0, 10) } } : {}),
    };
    return { agency: c.agency, input };
  };

  const report = async (stats: ReportStats, agency: number, input: Record<string, unknown>) => {
    stats.sent++;
    try {
      const { body, ms: took } = await client.post<{ reportActivity: { replayed: boolean; activity: { id: string; flagged: boolean }; violations: Array<{ rule: string }> } }>(
        agencyTokens[agency]!,
        REPORT,
        { input },
      );
      stats.latencies.push(took);
      const r = body.data?.reportActivity;
      if (body.errors?.length || !r) {
        const code = body.errors?.[0]?.extensions?.code ?? "NO_DATA";
        stats.errors[code] = (stats.errors[code] ?? 0) + 1;
        if ((stats.errors[code] ?? 0) <= 3) log(`error ${code}: ${body.errors?.[0]?.message}`);
        return undefined;
      }
      if (r.replayed) stats.replayed++;
      else {
        stats.stored++;
        stats.storedIds.push(r.activity.id);
        if (r.activity.flagged) stats.flagged++;
        for (const v of r.violations) stats.violations[v.rule] = (stats.violations[v.rule] ?? 0) + 1;
      }
      return r;
    } catch (err) {
      stats.errors.TRANSPORT = (stats.errors.TRANSPORT ?? 0) + 1;
      if (stats.errors.TRANSPORT <= 3) log(`transport error: ${(err as Error).message}`);
      return undefined;
    }
  };

  /** One unit of work: a new report, a retry of an accepted one, or a new one sent twice at once. */
  const step = (stats: ReportStats) => async () => {
    const r = random();
    if (r < args.retryShare && done.length > 0) {
      const first = done[Math.floor(random() * done.length)]!;
      const again = await report(stats, first.agency, first.input);
      if (again?.replayed && again.activity.id === first.id) stats.retriesOk++;
      else if (again) stats.retriesBad++;
      return;
    }
    const { agency, input } = newInput();
    if (r < args.retryShare + args.twinShare) {
      const [a, b] = await Promise.all([report(stats, agency, input), report(stats, agency, input)]);
      if (a && b && a.activity.id === b.activity.id && a.replayed !== b.replayed) stats.twinsOk++;
      else if (a && b) stats.twinsBad++;
      if (a) done.push({ agency, input, id: a.activity.id });
      return;
    }
    const out = await report(stats, agency, input);
    if (out && !out.replayed) done.push({ agency, input, id: out.activity.id });
  };

  const cpuNow = () => ({ gateway: gateway.cpu(), outreach: outreach.cpu(), postgres: postgresCpu(postmaster), bench: process.cpuUsage() });
  const cpuShare = (a: ReturnType<typeof cpuNow>, b: ReturnType<typeof cpuNow>, wall: number) => ({
    gateway: (b.gateway - a.gateway) / wall,
    outreach: (b.outreach - a.outreach) / wall,
    postgres: (b.postgres - a.postgres) / wall,
    bench: (b.bench.user + b.bench.system - a.bench.user - a.bench.system) / 1e6 / wall,
  });
  const countActivities = async () => (await q<{ n: number }>("SELECT count(*)::int AS n FROM activity"))[0]!.n;

  // ---- reportActivity: warm-up, then the measured run.
  const before = await countActivities();
  const warm = newStats();
  log(`warm-up ${args.warmup} s`);
  await drive(args.concurrency, args.warmup, step(warm));
  const beforeMeasured = await countActivities();
  const stats = newStats();
  const c0 = cpuNow();
  log(`reportActivity: ${args.concurrency} in flight for ${args.seconds} s`);
  const wall = await drive(args.concurrency, args.seconds, step(stats));
  const reportCpu = cpuShare(c0, cpuNow(), wall);
  const after = await countActivities();
  const [{ n: storedFound }] = await q<{ n: number }>("SELECT count(*)::int AS n FROM activity WHERE id = ANY($1::uuid[])", [stats.storedIds]);
  const [{ n: keysStored, distinctKeys }] = await q<{ n: number; distinctKeys: number }>(
    `SELECT count(*)::int AS n, count(DISTINCT (reporter_org, idempotency_key))::int AS "distinctKeys" FROM activity WHERE idempotency_key LIKE $1`,
    [`bench-${process.pid}-%`],
  );
  const [{ n: violationRows }] = await q<{ n: number }>("SELECT count(*)::int AS n FROM activity_violation");
  const exactlyOnce =
    after - beforeMeasured === stats.stored && after - before === stats.stored + warm.stored && storedFound === stats.stored && keysStored === distinctKeys && stats.retriesBad === 0 && stats.twinsBad === 0;
  const reportsPerS = stats.stored / wall;
  log(
    `stored ${int(stats.stored)} (${int(reportsPerS)}/s), replayed ${int(stats.replayed)}, errors ${JSON.stringify(stats.errors)}; count grew ${int(after - beforeMeasured)}; ` +
      `p50 ${ms(percentile(stats.latencies, 50))} ms, p99 ${ms(percentile(stats.latencies, 99))} ms; CPU ${JSON.stringify(reportCpu)}`,
  );

  // ---- contactPolicy: under load, then one at a time.
  const policyOnce = (lat: number[], errs: Record<string, number>) => async () => {
    const c = cases[Math.floor(random() * cases.length)]!;
    const channel = random() < 0.7 ? "CALL" : random() < 0.5 ? "SMS" : "EMAIL";
    try {
      const { body, ms: took } = await client.post<{ contactPolicy: { allowed: boolean } }>(agencyTokens[c.agency]!, POLICY, { caseId: c.id, channel });
      lat.push(took);
      if (body.errors?.length || !body.data?.contactPolicy) {
        const code = body.errors?.[0]?.extensions?.code ?? "NO_DATA";
        errs[code] = (errs[code] ?? 0) + 1;
        if (errs[code] <= 3) log(`contactPolicy error ${code}: ${body.errors?.[0]?.message}`);
      }
    } catch (err) {
      errs.TRANSPORT = (errs.TRANSPORT ?? 0) + 1;
      if (errs.TRANSPORT <= 3) log(`transport error: ${(err as Error).message}`);
    }
  };
  await drive(args.policyConcurrency, 2, policyOnce([], {}));
  const policy = { loaded: [] as number[], loadedErrors: {} as Record<string, number>, single: [] as number[], singleErrors: {} as Record<string, number> };
  log(`contactPolicy: ${args.policyConcurrency} in flight for ${args.policySeconds} s`);
  const c1 = cpuNow();
  const policyWall = await drive(args.policyConcurrency, args.policySeconds, policyOnce(policy.loaded, policy.loadedErrors));
  const policyCpu = cpuShare(c1, cpuNow(), policyWall);
  log(`contactPolicy: 1 in flight for ${args.latencySeconds} s`);
  const c2 = cpuNow();
  const singleWall = await drive(1, args.latencySeconds, policyOnce(policy.single, policy.singleErrors));
  const singleCpu = cpuShare(c2, cpuNow(), singleWall);
  // The same one at a time straight to the subgraph, with the internal token the gateway would
  // sign (signed once per agency: a token lives 60 s), to show what the gateway adds.
  log(`contactPolicy direct to the subgraph: 1 in flight for ${args.latencySeconds} s`);
  const direct = new GraphqlClient(`http://127.0.0.1:${outreachPort}/graphql`, 2);
  const internal: Record<string, Record<string, string>> = {};
  for (const [i, id] of agencies.entries()) {
    internal[i] = await internalHeaders({ sub: `bench-agency-${i}`, role: "agency", agencyId: id, scope: roleScopes("agency") }, "outreach");
  }
  const directOnce = (lat: number[], errs: Record<string, number>) => async () => {
    const c = cases[Math.floor(random() * cases.length)]!;
    const channel = random() < 0.7 ? "CALL" : random() < 0.5 ? "SMS" : "EMAIL";
    const { body, ms: took } = await direct.postWith<{ contactPolicy: unknown }>(internal[c.agency]!, POLICY, { caseId: c.id, channel });
    lat.push(took);
    if (body.errors?.length || !body.data?.contactPolicy) errs[body.errors?.[0]?.extensions?.code ?? "NO_DATA"] = (errs[body.errors?.[0]?.extensions?.code ?? "NO_DATA"] ?? 0) + 1;
  };
  await drive(1, 1, directOnce([], {}));
  const directLat: number[] = [];
  const directErrors: Record<string, number> = {};
  const c3 = cpuNow();
  const directWall = await drive(1, args.latencySeconds, directOnce(directLat, directErrors));
  const directCpu = cpuShare(c3, cpuNow(), directWall);
  direct.close();
  const loadAfter = loadavg()[0]!;

  // ---- Plans of the statements one report runs, on a case of the run (after it: the tables as they grew).
  const sample = cases[7]!.id;
  const sampleAgency = agencies[cases[7]!.agency]!;
  const plan = async (label: string, sql: string, params: unknown[]) => {
    const rows = await q<{ "QUERY PLAN": string }>(`EXPLAIN (ANALYZE, BUFFERS) ${sql}`, params);
    const lines = rows.map((r) => r["QUERY PLAN"]);
    const nodes = lines.filter((l) => /(Scan|Join|Loop|Result|Aggregate|Unique|Sort)\b/.test(l) && !/^\s*(Planning|Execution|Buffers)/.test(l)).map((l) => l.replace(/^[\s->]*/, "").replace(/\s+\(cost.*$/, ""));
    const buffers = /shared hit=(\d+)(?: read=(\d+))?/.exec(lines.find((l) => /Buffers:/.test(l)) ?? "");
    const exec = /Execution Time: ([\d.]+) ms/.exec(lines.join("\n"));
    return { label, nodes: [...new Set(nodes)], buffers: buffers ? Number(buffers[1]) + Number(buffers[2] ?? 0) : 0, ms: exec ? Number(exec[1]) : NaN };
  };
  const at = new Date();
  const plans = [
    await plan("idempotency lookup", "SELECT * FROM activity WHERE reporter_org = $1 AND idempotency_key = $2", [sampleAgency, "bench-none"]),
    await plan(
      "case directory entry",
      `SELECT DISTINCT ON (d.case_id) d.*, p.placement_id, p.agency_id FROM case_directory d
         LEFT JOIN case_directory_placement p ON p.case_id = d.case_id AND p.ended_at IS NULL AND p.placed_at IS NOT NULL AND p.expires_at > $2 AND NOT EXISTS (SELECT 1 FROM case_directory_hold)
        WHERE d.case_id = ANY($1::uuid[]) ORDER BY d.case_id, p.placed_at DESC NULLS LAST`,
      [[sample], at],
    ),
    await plan("contact history (9 days)", "SELECT channel, direction, outcome, party, contact_point, occurred_at FROM activity WHERE case_id = $1 AND occurred_at > $2 AND occurred_at <= $3", [
      sample,
      new Date(at.getTime() - 9 * DAY_MS),
      at,
    ]),
    await plan(
      "holds",
      `SELECT k.case_id, h.hold_id FROM unnest($1::uuid[], $2::timestamptz[]) AS k(case_id, since) JOIN case_directory_contact_hold h ON h.case_id = k.case_id
        WHERE h.starts_at IS NOT NULL AND (least(h.ends_at, h.lifted_at) IS NULL OR least(h.ends_at, h.lifted_at) >= k.since)`,
      [[sample], [at]],
    ),
  ];
  const [{ n: perCase }] = await q<{ n: number }>("SELECT count(*)::int AS n FROM activity WHERE case_id = $1 AND occurred_at > now() - interval '9 days'", [sample]);
  await cleanup();
  const runSeconds = (performance.now() - runStart) / 1000;

  // ---- Report
  const cpu = cpus();
  const model = (cpu[0]?.model ?? "").replace(/\s+/g, " ").trim().replace(/^(AMD EPYC|Intel\(R\) Xeon\(R\)).*$/, "$1");
  const cpuCell = (c: ReturnType<typeof cpuShare>) => `${pct(c.gateway)} / ${pct(c.outreach)} / ${pct(c.postgres)} / ${pct(c.bench)}`;
  const p50 = (xs: number[]) => ms(percentile(xs, 50));
  const p99 = (xs: number[]) => ms(percentile(xs, 99));
  const errs = (m: Record<string, number>) => (Object.keys(m).length ? Object.entries(m).map(([k, v]) => `${int(v)} ${k}`).join(", ") : "0");
  const policyP99 = percentile(policy.single, 99);
  const policyLoadedP99 = percentile(policy.loaded, 99);
  const violations = Object.entries(stats.violations).sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${int(v)}`).join(", ") || "none";
  const lines = [
    SECTION_TITLE,
    "",
    `Command: \`npm run bench:outreach\` (\`bench/outreach.ts\`) · date: ${new Date().toISOString().slice(0, 10)} · machine: ${cpu.length} cores${model ? ` (${model})` : ""}, ${pgVersion}, Node ${process.version}; ` +
      `1-min load average ${loadBefore.toFixed(1)} before, ${loadAfter.toFixed(1)} after · whole run: ${runSeconds.toFixed(1)} s`,
    "",
    `Goals: at least ${int(GOAL_REPORTS_PER_S)} accepted reports per second, each stored exactly once; contactPolicy p99 at most ${GOAL_POLICY_P99_MS} ms.`,
    "",
    `The gateway and the outreach subgraph run as processes of their own from their real entry points (\`gateway/src/main.ts\`, \`subgraphs/outreach/src/main.ts\`, NODE_ENV=production, ` +
      `the subgraph's pool of 10 connections, the PostgreSQL bus in a database of its own), on the same ${cpu.length} cores as PostgreSQL and this process, which loads the data and drives the requests ` +
      `over kept-alive HTTP connections with agencies' JWTs (a test issuer whose JWKS the gateway reads from a file). ` +
      `Data, inserted set-based into the migrated schema: ${int(args.cases)} open cases of ${args.lenders} lenders (one on the default US_REG_F profile, one set to CN_NIFA through \`setContactProfile\`), ` +
      `each placed with one of ${args.agencies} agencies (channels CALL, SMS, EMAIL), borrowers in the ${zones.length} zones where it was daytime (${zones.join(", ")}), 1 case in 100 under a dispute hold; ` +
      `${int(loaded)} activities (${int(args.activities / args.cases)} per case) spread over the last 7 days in the report mix below, loaded in ${loadSeconds.toFixed(1)} s.`,
    "",
    `- **reportActivity**: ${args.concurrency} requests in flight for ${args.seconds} s after a ${args.warmup} s warm-up, each an agency reporting a contact made in the last 10 minutes on a random case it holds ` +
      `(${MIX.map((m) => `${m.channel} ${m.outcome} ${Math.round((m.weight / MIX_TOTAL) * 100)}%`).join(", ")}), with a new idempotency key; ` +
      `${pct(args.retryShare)} of the steps retry an earlier accepted report (same key, same content) and ${pct(args.twinShare)} send a new report twice at once. ` +
      `Selection: \`replayed activity { id flagged } violations { rule }\`. Accepted reports/s counts the reports stored (not replayed) over the wall time.`,
    `- **contactPolicy**: \`contactPolicy(caseId, channel)\` with \`allowed nextAllowedAt timeZone blockedBy counters profile\`, random held case, CALL 70% / SMS / EMAIL, ` +
      `${args.policyConcurrency} in flight for ${args.policySeconds} s, then 1 in flight for ${args.latencySeconds} s (latency). Latency is the client's, end to end through the gateway.`,
    "",
    "| workload | in flight | requests | rate | errors | p50 | p99 | CPU: gateway / outreach / PostgreSQL / driver (cores) |",
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    `| reportActivity | ${args.concurrency} | ${int(stats.sent)} | **${int(reportsPerS)} stored/s** (${int(stats.sent / wall)} answered/s) | ${errs(stats.errors)} | ${p50(stats.latencies)} ms | ${p99(stats.latencies)} ms | ${cpuCell(reportCpu)} |`,
    `| contactPolicy | ${args.policyConcurrency} | ${int(policy.loaded.length)} | ${int(policy.loaded.length / policyWall)}/s | ${errs(policy.loadedErrors)} | ${p50(policy.loaded)} ms | ${p99(policy.loaded)} ms | ${cpuCell(policyCpu)} |`,
    `| contactPolicy | 1 | ${int(policy.single.length)} | ${int(policy.single.length / singleWall)}/s | ${errs(policy.singleErrors)} | ${p50(policy.single)} ms | **${p99(policy.single)} ms** | ${cpuCell(singleCpu)} |`,
    `| contactPolicy, straight to the subgraph | 1 | ${int(directLat.length)} | ${int(directLat.length / directWall)}/s | ${errs(directErrors)} | ${p50(directLat)} ms | ${p99(directLat)} ms | ${cpuCell(directCpu)} |`,
    "",
    `- Accepted reports: **${int(reportsPerS)}/s** (${reportsPerS >= GOAL_REPORTS_PER_S ? "meets" : "misses"} the goal of ≥ ${int(GOAL_REPORTS_PER_S)}/s). ` +
      `Of ${int(stats.sent)} requests, ${int(stats.stored)} stored a report and ${int(stats.replayed)} were replays: ${int(stats.retriesOk)} retries answered with the first report's id, ` +
      `${int(stats.twinsOk)} pairs sent at once of which exactly one stored${stats.retriesBad || stats.twinsBad ? ` (**${stats.retriesBad} retries and ${stats.twinsBad} pairs did not**)` : ""}.`,
    `- Stored exactly once: ${exactlyOnce ? "**yes**" : "**NO**"}. \`count(*)\` of activity grew by ${int(after - beforeMeasured)} during the run (reports stored: ${int(stats.stored)}), ` +
      `${int(after - before)} with the warm-up (${int(stats.stored + warm.stored)}); every stored id answered is in the table (${int(storedFound)}), one row per key (${int(keysStored)} rows, ${int(distinctKeys)} keys).`,
    `- Compliance: ${int(stats.flagged)} of the stored reports (${pct(stats.flagged / Math.max(1, stats.stored))}) broke a rule and were stored flagged, each violation kept and emitted (${violations}; ` +
      `${int(violationRows)} violation rows in all, warm-up included).`,
    `- contactPolicy p99: **${p99(policy.single)} ms** one at a time (${policyP99 <= GOAL_POLICY_P99_MS ? "meets" : "misses"} the goal of ≤ ${GOAL_POLICY_P99_MS} ms); ` +
      `${p99(policy.loaded)} ms with ${args.policyConcurrency} in flight (${policyLoadedP99 <= GOAL_POLICY_P99_MS ? "within" : "above"} it). ` +
      `Straight to the subgraph, one at a time: p50 ${p50(directLat)} ms, p99 ${p99(directLat)} ms, so the gateway adds ${((percentile(policy.single, 50) / Math.max(0.001, percentile(directLat, 50)) - 1) * 100).toFixed(0)}% at p50 ` +
      `(gateway ${ms((singleCpu.gateway * singleWall * 1000) / Math.max(1, policy.single.length))} ms of CPU per request against the subgraph's ${ms((singleCpu.outreach * singleWall * 1000) / Math.max(1, policy.single.length))} ms; the gateway issue's work).`,
    "",
    `Plans of the statements of one report (\`EXPLAIN (ANALYZE, BUFFERS)\` after the run, on a case with ${perCase} activities in the 9-day history window):`,
    "",
    ...plans.map((p) => `- ${p.label}: ${p.nodes.map((n) => `\`${n}\``).join(" → ")}, ${p.buffers} buffers, ${p.ms.toFixed(3)} ms`),
    "",
  ];
  console.log(lines.join("\n"));
  if (!exactlyOnce) log("NOT STORED EXACTLY ONCE: see above");
  if (args.write) {
    writeBenchmarkSection(SECTION_TITLE, lines.join("\n"));
    log("updated BENCHMARKS.md");
  } else log("not written to BENCHMARKS.md (not the default workload, or --no-write)");
}

let stopping = false;
const onSignal = () => {
  if (stopping) return;
  stopping = true;
  log("interrupted; cleaning up");
  void cleanup().finally(() => process.exit(130));
};
process.on("SIGINT", onSignal);
process.on("SIGTERM", onSignal);

main().then(
  () => process.exit(0),
  async (err) => {
    console.error((err as Error).stack ?? err);
    await cleanup();
    process.exit(1);
  },
);
