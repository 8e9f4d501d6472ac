/**
 * Subscriptions benchmark: on one gateway, with 1,000 and then 10,000 open subscriptions,
 *   (a) the gateway's memory per idle subscriber (heap + external, and RSS, after forced GCs,
 *       with N open and idle minus before any was opened, divided by N);
 *   (b) commit-to-delivery p50 / p99 / max when one event concerns 1,000 of them while the
 *       others stay open and unconcerned.
 *
 *   npm run bench:subscriptions                        # 1,000 then 10,000; writes BENCHMARKS.md
 *   npm run bench:subscriptions -- --sizes=100,500     # quick run; prints only
 *   npm run bench:subscriptions -- --no-diagnostics    # without the heap snapshots and CPU profile at the end
 *
 * The gateway runs alone in a child process (`bench/subscriptions-gateway.ts`, `node --expose-gc`,
 * IPC), so its memory is measured apart from everything else. This process runs the loans and
 * agencies subgraphs on fresh databases, the PostgreSQL event bus (production defaults) and the
 * clients: one graphql-ws connection per subscription, as an app opens them, authenticated with a
 * test issuer's lender JWT in connection_init. PostgreSQL is TEST_DATABASE_URL or DATABASE_URL
 * when set, else a throwaway embedded server; databases and server are removed at the end.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { cpus, loadavg, tmpdir } from "node:os";
import { performance } from "node:perf_hooks";
import { createClient, type Client } from "graphql-ws";
import WebSocket from "ws";
import {
  createLogger,
  dropDatabase,
  ensureDatabase,
  env,
  PgEventBus,
  repoRoot,
  startEmbeddedPostgres,
  type DatabaseServer,
} from "@concord/service-kit";
import { seedDemoPortfolio, start as startLoans, type LoansService } from "@concord/loans";
import { start as startAgencies, type AgenciesService } from "@concord/agencies";
import { createTestIssuer, TEST_AUDIENCE, TEST_GATEWAY_KEYS, TEST_INTERNAL_KEY, TEST_ISSUER, until } from "@concord/test-kit";
import { cleanupStack, percentile, writeBenchmarkSection } from "./support";
import { heapGrowth, type CpuSummary } from "./subscriptions-diagnostics";

const SECTION_TITLE = "## Subscriptions: idle memory per subscriber and commit-to-delivery fan-out";
const DEFAULTS = { sizes: [1_000, 10_000], concerned: 1_000, rounds: 20, warmup: 3, batch: 200 };
const GOAL_KB = 30;
const GOAL_P99_MS = 100;
/** What every subscription selects (the concerned ones for case X, the others for other cases). */
const QUERY = `subscription($id: ID!) { caseUpdated(caseId: $id, filter: { kinds: [PAYMENT_RECORDED] }) { cursor occurredAt caseId case { id status daysPastDue } } }`;
const ROUND_TIMEOUT_MS = 30_000;
const OPEN_TIMEOUT_MS = 60_000;

// ---------------------------------------------------------------------------------------------
// Arguments

interface Args {
  sizes: number[];
  concerned: number;
  rounds: number;
  warmup: number;
  batch: number;
  write: boolean;
  /** Heap snapshots, a CPU profile of extra rounds and a parse() probe, after the measurements. */
  diagnostics: boolean;
}

function parseArgs(argv: string[]): Args {
  const a = { ...DEFAULTS, diagnostics: true };
  let write: boolean | undefined;
  const int = (name: string, raw: string | undefined, min: number): number => {
    const n = Number((raw ?? "").replace(/_/g, ""));
    if (!Number.isInteger(n) || n < min) throw new Error(`${name} needs an integer of at least ${min}`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const [flag, inline] = arg.includes("=") ? [arg.slice(0, arg.indexOf("=")), arg.slice(arg.indexOf("=") + 1)] : [arg, undefined];
    const value = () => inline ?? argv[++i];
    if (flag === "--sizes") {
      a.sizes = (value() ?? "").split(",").map((s) => int(flag, s, 1));
      if (a.sizes.some((s, j) => j > 0 && s <= a.sizes[j - 1]!)) throw new Error("--sizes must increase");
    } else if (flag === "--concerned") a.concerned = int(flag, value(), 1);
    else if (flag === "--rounds") a.rounds = int(flag, value(), 1);
    else if (flag === "--warmup") a.warmup = int(flag, value(), 1);
    else if (flag === "--batch") a.batch = int(flag, value(), 1);
    else if (flag === "--no-diagnostics") a.diagnostics = false;

    else if (flag === "--write") write = true;
    else if (flag === "--no-write") write = false;
    else if (flag === "--help" || flag === "-h") {
      console.log(
        "Usage: npm run bench:subscriptions -- [--sizes=1000,10000] [--concerned=1000] [--rounds=20] [--warmup=3] [--batch=200]\n" +
          "                                    [--no-diagnostics] [--write | --no-write]\n" +
          "Only the default workload writes BENCHMARKS.md unless --write is given.",
      );
      process.exit(0);
    } else throw new Error(`Unknown argument ${arg}`);
  }
  a.concerned = Math.min(a.concerned, a.sizes[0]!);
  const isDefault =
    a.sizes.join() === DEFAULTS.sizes.join() && a.concerned === DEFAULTS.concerned && a.rounds === DEFAULTS.rounds && a.batch === DEFAULTS.batch;
  return { ...a, write: write ?? (isDefault && a.diagnostics) };
}

// ---------------------------------------------------------------------------------------------
// Helpers

const log = (msg: string): void => void process.stderr.write(`[bench:subscriptions] ${msg}\n`);
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
/** Milliseconds, with no more digits than the value has (most stamps are whole milliseconds). */
const ms = (v: number): string => (Number.isInteger(v) || v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2));
const int = (v: number): string => Math.round(v).toLocaleString("en-US");
const mb = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MB`;
const kb = (bytes: number): string => `${(bytes / 1024).toFixed(1)} KB`;

const median = (xs: number[]) => percentile(xs, 50);


const { defer, cleanup } = cleanupStack(log);

// ---------------------------------------------------------------------------------------------
// The gateway child

interface Memory {
  rss: number;
  heapTotal: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
  subscribers: number;
}

class GatewayChild {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  readonly exited: Promise<number | null>;

  private constructor(readonly proc: ChildProcess) {
    proc.on("message", (m: { id?: number; ok?: boolean; value?: unknown; error?: string }) => {
      const p = m.id === undefined ? undefined : this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id!);
      if (m.ok) p.resolve(m.value);
      else p.reject(new Error(`gateway child: ${m.error}`));
    });
    this.exited = new Promise((resolve) =>
      proc.on("exit", (code) => {
        for (const p of this.pending.values()) p.reject(new Error(`the gateway child exited (${code})`));
        this.pending.clear();
        resolve(code);
      }),
    );
  }

  static async spawn(): Promise<GatewayChild> {
    const proc = spawn(process.execPath, ["--expose-gc", "--import", "tsx", join(repoRoot, "bench", "subscriptions-gateway.ts")], {
      cwd: repoRoot,
      stdio: ["ignore", "inherit", "inherit", "ipc"],
      env: { ...process.env, LOG_LEVEL: process.env.LOG_LEVEL ?? "warn" },
    });
    const child = new GatewayChild(proc);
    await new Promise<void>((resolve, reject) => {
      proc.once("message", () => resolve());
      proc.once("exit", (code) => reject(new Error(`the gateway child exited (${code}) before it was ready`)));
    });
    return child;
  }

  request<T>(type: string, extra: Record<string, unknown> = {}): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.proc.send({ id, type, ...extra });
    });
  }

  async stop(): Promise<void> {
    if (this.proc.exitCode !== null || this.proc.signalCode !== null) return;
    const stopped = this.request("stop").catch(() => undefined);
    const timer = setTimeout(() => this.proc.kill("SIGKILL"), 30_000);
    await Promise.race([stopped.then(() => this.exited), this.exited]);
    await this.exited;
    clearTimeout(timer);
  }
}

// ---------------------------------------------------------------------------------------------
// Clients

/** One graphql-ws connection with one subscription. */
interface Sub {
  client: Client;
  concerned: boolean;
  received: number;
  problem?: string;
}

/** Deliveries to the concerned subscribers: client time, and the event's cursor (bus seq) and occurredAt. */
interface Sample {
  seq: number;
  at: number;
  occurredAt: number;
}

class Clients {
  readonly subs: Sub[] = [];
  samples: Sample[] = [];
  concernedDeliveries = 0;
  unexpected = 0;
  private waiter?: { target: number; resolve(): void };

  constructor(private readonly url: string) {}

  open(token: string, caseId: string, concerned: boolean): Sub {
    const sub: Sub = { concerned, received: 0 } as Sub;
    sub.client = createClient({
      url: this.url.replace(/^http/, "ws"),
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${token}` },
      retryAttempts: 0,
      lazy: false,
      on: { closed: (e) => void (sub.problem ??= `closed ${(e as { code?: number }).code} ${(e as { reason?: string }).reason ?? ""}`) },
      onNonLazyError: (err) => void (sub.problem ??= `connection failed: ${String((err as Error)?.message ?? err)}`),
    });
    sub.client.subscribe<{ caseUpdated: { cursor: string; occurredAt: string } }>(
      { query: QUERY, variables: { id: caseId } },
      {
        next: (r) => {
          const at = Date.now();
          sub.received++;
          if (!concerned) {
            this.unexpected++;
            return;
          }
          const u = r.data?.caseUpdated;
          if (!u) {
            sub.problem ??= `payload without data: ${JSON.stringify(r).slice(0, 300)}`;
            return;
          }
          this.samples.push({ seq: Number(u.cursor), at, occurredAt: Date.parse(u.occurredAt) });
          this.concernedDeliveries++;
          if (this.waiter && this.concernedDeliveries >= this.waiter.target) {
            const w = this.waiter;
            this.waiter = undefined;
            w.resolve();
          }
        },
        error: (err) => void (sub.problem ??= `subscription error: ${JSON.stringify(err).slice(0, 300)}`),
        complete: () => undefined,
      },
    );
    this.subs.push(sub);
    return sub;
  }

  /** Resolves when the concerned subscribers have had `target` deliveries in all. */
  deliveries(target: number, timeoutMs: number): Promise<void> {
    if (this.concernedDeliveries >= target) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiter = undefined;
        reject(new Error(`only ${this.concernedDeliveries} of ${target} deliveries within ${timeoutMs} ms; ${this.problems()}`));
      }, timeoutMs);
      this.waiter = {
        target,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      };
    });
  }

  problems(): string {
    const bad = this.subs.filter((s) => s.problem);
    return bad.length ? `${bad.length} subscriptions had problems, e.g. ${bad[0]!.problem}` : "no client problems";
  }

  /** Closes the last `n` connections (all when n is omitted). */
  async close(n = this.subs.length): Promise<void> {
    const gone = this.subs.splice(this.subs.length - n, n);
    await Promise.all(gone.map((s) => s.client.dispose()));
  }
}

// ---------------------------------------------------------------------------------------------
// Main

interface Phase {
  size: number;
  concerned: number;
  memory: Memory;
  openSeconds: number;
  samples: Array<{ upper: number; lower: number }>;
  perEvent: Array<{ occurred: number; published: number; resolveStart?: number; resolveEnd?: number; first: number; last: number }>;
  resolutionsPerEvent: number;
  /** Bus entries per payment, by subject (every one is scanned against every subscriber). */
  busEvents: Record<string, number>;
}

async function main(): Promise<void> {
  const runStart = performance.now();
  const args = parseArgs(process.argv.slice(2));
  process.env.LOG_LEVEL ??= "warn";
  const e = env();
  const logger = createLogger("bench");
  const loadBefore = loadavg()[0]!;
  log(`sizes ${args.sizes.join(", ")}; ${args.concerned} concerned; ${args.rounds} rounds; load average ${loadBefore.toFixed(2)}`);

  // PostgreSQL and the three databases.
  let server: DatabaseServer | undefined;
  const externalUrl = e.TEST_DATABASE_URL ?? e.DATABASE_URL;
  const serverUrl =
    externalUrl ??
    (server = await startEmbeddedPostgres({ dir: join(tmpdir(), `concord-bench-subs-${process.pid}`), port: 0, persistent: false })).url;
  if (server) defer(() => server!.stop());
  const dbs: Record<"loans" | "agencies" | "bus", string> = { loans: "", agencies: "", bus: "" };
  for (const name of Object.keys(dbs) as Array<keyof typeof dbs>) {
    const db = `bench_subs_${name}_${process.pid}`;
    dbs[name] = await ensureDatabase(serverUrl, db);
    defer(() => dropDatabase(serverUrl, db));
  }
  const work = mkdtempSync(join(tmpdir(), "concord-bench-subs-"));
  defer(async () => rmSync(work, { recursive: true, force: true }));

  // Subgraphs and bus, here; the gateway, in its own process.
  const bus = await PgEventBus.open({ url: dbs.bus, logger });
  defer(() => bus.close());
  const loans: LoansService = await startLoans({ bus, databaseUrl: dbs.loans, gatewayKeys: TEST_GATEWAY_KEYS, logger: logger.child({ service: "loans" }) });
  defer(() => loans.stop());
  const agencies: AgenciesService = await startAgencies({
    bus,
    databaseUrl: dbs.agencies,
    gatewayKeys: TEST_GATEWAY_KEYS,
    logger: logger.child({ service: "agencies" }),
  });
  defer(() => agencies.stop());

  await seedDemoPortfolio(loans.ds, { asOf: new Date().toISOString().slice(0, 10), borrowers: 300 });
  const [{ n: openCases }] = await loans.ds.query("SELECT count(*)::int AS n FROM collection_case");
  // Let the seed's events settle (relayed, consumed by agencies) before anything is measured.
  await until(async () => (await agencies.ds.query("SELECT count(*)::int AS n FROM case_directory"))[0].n === openCases, "the agencies to hear of every case", 60_000, 200);
  const cases: Array<{ id: string; loan_id: string; lender_id: string; currency: string; outstanding: number }> = await loans.ds.query(
    `SELECT c.id, c.loan_id, c.lender_id, l.currency,
            (SELECT sum(i.amount_due_minor - i.amount_paid_minor) FROM installment i WHERE i.loan_id = c.loan_id)::bigint::float8 AS outstanding
       FROM collection_case c JOIN loan l ON l.id = c.loan_id WHERE c.status = 'OPEN' ORDER BY c.id`,
  );
  const paymentsNeeded = args.warmup + args.rounds * args.sizes.length;
  const x = cases.find((c) => c.outstanding > paymentsNeeded * 10);
  if (!x) throw new Error("no open case with enough outstanding balance");
  const lenderA = x.lender_id;
  const othersA = cases.filter((c) => c.lender_id === lenderA && c.id !== x.id).map((c) => c.id);
  const lenderBCases = cases.filter((c) => c.lender_id !== lenderA);
  if (!othersA.length || !lenderBCases.length) throw new Error("the demo portfolio needs two lenders with open cases");
  const lenderB = lenderBCases[0]!.lender_id;
  log(`${openCases} cases; case X ${x.id}; ${othersA.length} other open cases of lender A, ${lenderBCases.length} of lender B`);

  const issuer = await createTestIssuer();
  const jwksPath = join(work, "jwks.json");
  writeFileSync(jwksPath, JSON.stringify(issuer.jwks()));
  const tokenA = await issuer.mint({ role: "lender", lender_id: lenderA }, { expiresIn: 3600 });
  const tokenB = await issuer.mint({ role: "lender", lender_id: lenderB }, { expiresIn: 3600 });

  const gateway = await GatewayChild.spawn();
  defer(() => gateway.stop());
  const { url: gatewayUrl, pid: gatewayPid } = await gateway.request<{ url: string; pid: number }>("start", {
    busUrl: dbs.bus,
    jwksPath,
    issuer: TEST_ISSUER,
    audience: TEST_AUDIENCE,
    // The gateway child's key, as PKCS8 PEM over IPC; the subgraphs here hold its public half.
    internalSigningKey: TEST_INTERNAL_KEY.key.export({ format: "pem", type: "pkcs8" }).toString(),
    subgraphUrls: { loans: loans.url, agencies: agencies.url },
    supergraphPath: join(repoRoot, "schema", "supergraph.graphql"),
  });
  log(`gateway pid ${gatewayPid} at ${gatewayUrl}`);
  const clients = new Clients(gatewayUrl);
  // After the gateway child has stopped (which closes every connection), not before.
  defer(async () => {
    await gateway.stop();
    await clients.close();
  });

  let refs = 0;
  const pay = async () => {
    const res = await fetch(gatewayUrl, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${tokenA}` },
      body: JSON.stringify({
        query: `mutation($input: RecordPaymentInput!) { recordPayment(input: $input) { replayed } }`,
        variables: {
          input: { loanId: x.loan_id, amountMinor: 1, currency: x.currency.trim(), receivedAt: new Date().toISOString(), externalReference: `bench-subs-${process.pid}-${++refs}` },
        },
      }),
    });
    const body = (await res.json()) as { errors?: unknown[] };
    if (body.errors) throw new Error(`recordPayment failed: ${JSON.stringify(body.errors)}`);
  };
  const subscribers = () => gateway.request<number>("subscribers");

  /** Opens connections until `total` are open: first the concerned, then the others. */
  const openUpTo = async (total: number, concerned: number) => {
    let unconcerned = clients.subs.filter((s) => !s.concerned).length;
    while (clients.subs.length < total) {
      const n = Math.min(args.batch, total - clients.subs.length);
      for (let i = 0; i < n; i++) {
        if (clients.subs.filter((s) => s.concerned).length < concerned && clients.subs.length < concerned) clients.open(tokenA, x.id, true);
        else {
          // Unconcerned: lender A's other cases and lender B's cases, alternately.
          const k = unconcerned++;
          if (k % 2 === 0) clients.open(tokenA, othersA[(k / 2) % othersA.length]!, false);
          else clients.open(tokenB, lenderBCases[((k - 1) / 2) % lenderBCases.length]!.id, false);
        }
      }
      const want = clients.subs.length;
      await until(async () => {
        const bad = clients.subs.find((s) => s.problem);
        if (bad) throw new Error(`a subscription failed while opening: ${bad.problem}`);
        return (await subscribers()) >= want;
      }, `the gateway to hold ${want} subscriptions`, OPEN_TIMEOUT_MS);
    }
  };

  /** Payments one at a time, each waited for until every concerned subscriber has it. */
  const rounds = async (count: number, concerned: number) => {
    for (let r = 0; r < count; r++) {
      const target = clients.concernedDeliveries + concerned;
      const delivered = clients.deliveries(target, ROUND_TIMEOUT_MS);
      await pay();
      await delivered;
      await sleep(100);
    }
  };

  // Warm-up: every code path once (connect, verify, plan, resolve, deliver, close), then back to none.
  log("warm-up");
  const warm = Math.min(20, args.concerned);
  await openUpTo(warm, warm);
  await rounds(args.warmup, warm);
  await clients.close();
  await until(async () => (await subscribers()) === 0, "the gateway to let go of the warm-up subscriptions", 30_000);
  await gateway.request("resolutions");
  clients.samples = [];
  clients.concernedDeliveries = 0;

  const [{ server_version: pgv }] = (await loans.ds.query("SHOW server_version")) as Array<{ server_version: string }>;
  const pgVersion = `${server ? "embedded " : ""}PostgreSQL ${pgv.split(" ")[0]}`;

  await sleep(2000);
  const before = await gateway.request<Memory>("memory");
  log(`gateway before: heap ${mb(before.heapUsed)}, external ${mb(before.external)}, rss ${mb(before.rss)}`);

  const phases: Phase[] = [];
  let profile: CpuSummary | undefined;
  for (const size of args.sizes) {
    const t = performance.now();
    await openUpTo(size, args.concerned);
    const openSeconds = (performance.now() - t) / 1000;
    await sleep(3000); // idle
    const memory = await gateway.request<Memory>("memory");
    if (memory.subscribers !== size) throw new Error(`the gateway holds ${memory.subscribers} subscriptions, expected ${size}`);
    log(
      `${int(size)} open (in ${openSeconds.toFixed(1)} s): heap ${mb(memory.heapUsed)}, external ${mb(memory.external)}, rss ${mb(memory.rss)}; ` +
        `${kb((memory.heapUsed + memory.external - before.heapUsed - before.external) / size)} heap+external per subscriber`,
    );

    clients.samples = [];
    const unexpectedBefore = clients.unexpected;
    const head = await bus.head();
    const t1 = performance.now();
    await rounds(args.rounds, args.concerned);
    log(`${args.rounds} rounds at ${int(size)} in ${((performance.now() - t1) / 1000).toFixed(1)} s`);
    if (clients.unexpected !== unexpectedBefore) throw new Error(`${clients.unexpected - unexpectedBefore} deliveries to unconcerned subscribers`);
    const resolutions = await gateway.request<Array<{ start: number; end: number }>>("resolutions");
    const seqs = [...new Set(clients.samples.map((s) => s.seq))].sort((p, q) => p - q);
    if (seqs.length !== args.rounds || clients.samples.length !== args.rounds * args.concerned) {
      throw new Error(`expected ${args.rounds} events × ${args.concerned} deliveries, got ${seqs.length} events and ${clients.samples.length} deliveries`);
    }
    // What the bus took in during the rounds, with when it stored each entry (the relay's transaction start).
    const entries = await bus.read(head, 100_000);
    const published = new Map(entries.map((en) => [en.seq, en.publishedAt.getTime()]));
    const subjects = new Map<string, number>();
    for (const en of entries) subjects.set(en.subject, (subjects.get(en.subject) ?? 0) + 1);
    const bySeq = new Map<number, Sample[]>();
    for (const s of clients.samples) bySeq.set(s.seq, [...(bySeq.get(s.seq) ?? []), s]);
    // With exactly one resolution per event they pair up in order (events are one at a time).
    const paired = resolutions.length === seqs.length;
    const p: Phase = {
      size,
      concerned: args.concerned,
      memory,
      openSeconds,
      samples: clients.samples.map((s) => ({ upper: s.at - s.occurredAt, lower: s.at - published.get(s.seq)! })),
      perEvent: seqs.map((seq, i) => {
        const got = bySeq.get(seq)!;
        return {
          occurred: got[0]!.occurredAt,
          published: published.get(seq)!,
          resolveStart: paired ? resolutions[i]!.start : undefined,
          resolveEnd: paired ? resolutions[i]!.end : undefined,
          first: Math.min(...got.map((g) => g.at)),
          last: Math.max(...got.map((g) => g.at)),
        };
      }),
      resolutionsPerEvent: resolutions.length / seqs.length,
      busEvents: Object.fromEntries([...subjects].sort().map(([subject, n]) => [subject, n / args.rounds])),
    };
    phases.push(p);
    log(
      `${int(size)}: commit→delivery p50 ${ms(percentile(p.samples.map((s) => s.upper), 50))} ms, p99 ${ms(percentile(p.samples.map((s) => s.upper), 99))} ms; ` +
        `${p.resolutionsPerEvent} resolutions per event; bus events per payment ${JSON.stringify(p.busEvents)}`,
    );
  }
  const loadAfter = loadavg()[0]!;

  // Where the gateway's CPU goes: more rounds at the largest size under the sampling profiler
  // (it slows what it samples, so these rounds are not among the figures).
  const profileRounds = Math.max(5, Math.round(args.rounds / 2));
  if (args.diagnostics) {
    log(`${profileRounds} more rounds under the CPU profiler`);
    await gateway.request("profile-start");
    await rounds(profileRounds, args.concerned);
    profile = await gateway.request<CpuSummary>("profile-stop");
    await gateway.request("resolutions");
  }

  // What a subscriber is made of, once everything is measured: heap snapshots with the concerned
  // subscriptions open and after closing them too (snapshots disturb memory, so none comes earlier).
  let heap: ReturnType<typeof heapGrowth> | undefined;
  if (args.diagnostics) {
    log("heap snapshots");
    await clients.close(clients.subs.length - args.concerned);
    await until(async () => (await subscribers()) === args.concerned, `the gateway to hold ${args.concerned} subscriptions`, 60_000);
    const open = await gateway.request<string>("heap-snapshot", { path: join(work, "open.heapsnapshot") });
    await clients.close();
    await until(async () => (await subscribers()) === 0, "the gateway to let go of every subscription", 60_000);
    const closed = await gateway.request<string>("heap-snapshot", { path: join(work, "closed.heapsnapshot") });
    heap = heapGrowth(readFileSync(closed, "utf8"), readFileSync(open, "utf8"), args.concerned);
    rmSync(open);
    rmSync(closed);
  } else {
    await clients.close();
    await until(async () => (await subscribers()) === 0, "the gateway to let go of every subscription", 60_000);
  }
  const afterAll = await gateway.request<Memory>("memory");
  const doc = args.diagnostics ? await gateway.request<{ withLocations: number; withoutLocations: number }>("probe-document", { query: QUERY, n: 2000 }) : undefined;
  await cleanup();
  const runSeconds = (performance.now() - runStart) / 1000;

  // ---- Report
  const cpu = cpus();
  const model = (cpu[0]?.model ?? "").replace(/\s+/g, " ").trim().replace(/^(AMD EPYC|Intel\(R\) Xeon\(R\)).*$/, "$1");
  const heapExt = (m: Memory) => m.heapUsed + m.external;
  const upper = (p: Phase) => p.samples.map((s) => s.upper);
  const lower = (p: Phase) => p.samples.map((s) => s.lower);
  const perSubKb = (p: Phase) => (heapExt(p.memory) - heapExt(before)) / p.size / 1024;
  const table = phases.map(
    (p) =>
      `| ${int(p.size)} | ${int(p.concerned)} / ${int(p.size - p.concerned)} | ${mb(heapExt(before))} → ${mb(heapExt(p.memory))} | **${perSubKb(p).toFixed(1)} KB** | ` +
      `${mb(before.rss)} → ${mb(p.memory.rss)} | ${kb((p.memory.rss - before.rss) / p.size)} | ` +
      `${ms(percentile(upper(p), 50))} ms | **${ms(percentile(upper(p), 99))} ms** | ${ms(Math.max(...upper(p)))} ms | ` +
      `${ms(percentile(lower(p), 50))} / ${ms(percentile(lower(p), 99))} ms | ${Number(p.resolutionsPerEvent.toFixed(2))} |`,
  );
  const med = (p: Phase, f: (v: Phase["perEvent"][number]) => number) => median(p.perEvent.map(f));
  const paired = (p: Phase) => p.perEvent.every((v) => v.resolveStart !== undefined);
  const stage = {
    toBus: (p: Phase) => med(p, (v) => v.published - v.occurred),
    toResolve: (p: Phase) => (paired(p) ? med(p, (v) => v.resolveStart! - v.published) : NaN),
    resolve: (p: Phase) => (paired(p) ? med(p, (v) => v.resolveEnd! - v.resolveStart!) : NaN),
    toFirst: (p: Phase) => (paired(p) ? med(p, (v) => v.first - v.resolveEnd!) : NaN),
    spread: (p: Phase) => med(p, (v) => v.last - v.first),
    total: (p: Phase) => med(p, (v) => v.last - v.occurred),
  };
  const msOrNa = (v: number) => (Number.isNaN(v) ? "n/a" : `${ms(v)} ms`);
  const busEvents = (p: Phase) =>
    Object.entries(p.busEvents)
      .map(([s, n]) => `${Number(n.toFixed(2))} ${s}`)
      .join(", ");
  const stages = phases.map(
    (p) =>
      `| ${int(p.size)} | ${busEvents(p)} | ${msOrNa(stage.toBus(p))} | ${msOrNa(stage.toResolve(p))} | ${msOrNa(stage.resolve(p))} | ` +
      `${msOrNa(stage.toFirst(p))} | ${msOrNa(stage.spread(p))} | ${msOrNa(stage.total(p))} |`,
  );
  const first = phases[0]!;
  const last = phases.at(-1)!;
  const worstKb = Math.max(...phases.map(perSubKb));
  const worstP99 = Math.max(...phases.map((p) => percentile(upper(p), 99)));
  const eventsPerPayment = Object.values(last.busEvents).reduce((s, n) => s + n, 0);
  const marginal =
    phases.length > 1
      ? ` Each subscriber opened between ${int(first.size)} and ${int(last.size)} added ${kb((heapExt(last.memory) - heapExt(first.memory)) / (last.size - first.size))}.`
      : "";
  const heapRows = heap
    ? heap.rows
        .slice(0, 10)
        .map((r) => `| ${r.key.replace(/\|/g, "\\|")} | ${r.count.toFixed(1)} | ${int(r.bytes)} B |`)
    : [];
  const row = (key: string) => heap?.rows.find((r) => r.key === key) ?? { count: 0, bytes: 0 };
  const tokens = row("Token");
  const locations = row("Location");

  const lines = [
    SECTION_TITLE,
    "",
    `Command: \`npm run bench:subscriptions\` (\`bench/subscriptions.ts\`; the gateway runs in \`bench/subscriptions-gateway.ts\`) · date: ${new Date().toISOString().slice(0, 10)} · ` +
      `machine: ${cpu.length} cores${model ? ` (${model})` : ""}, ${pgVersion}, Node ${process.version}; 1-min load average ${loadBefore.toFixed(1)} before, ${loadAfter.toFixed(1)} after the measurements · whole run: ${runSeconds.toFixed(1)} s`,
    "",
    `Goals: at most ${GOAL_KB} KB of gateway memory per idle subscriber; commit-to-delivery p99 at most ${GOAL_P99_MS} ms when one event concerns ${int(DEFAULTS.concerned)} subscribers.`,
    "",
    `One gateway (\`start()\` of @concord/gateway with the PostgreSQL bus at its production defaults) runs alone in a child process started with \`node --expose-gc\`; ` +
      `the loans and agencies subgraphs (demo portfolio: ${int(openCases)} open cases of two lenders), the bus publisher and the clients run in the benchmark's own process. ` +
      `Each subscription is its own graphql-ws connection with a lender's JWT in \`connection_init\` (opened ${args.batch} at a time), and all select ` +
      `\`caseUpdated(caseId: $id, filter: { kinds: [PAYMENT_RECORDED] }) { cursor occurredAt caseId case { id status daysPastDue } }\`: ` +
      `${int(args.concerned)} of them, with one lender's token, follow case X; the others follow other cases (half that lender's, half the other lender's) and are never concerned. ` +
      (phases.length > 1
        ? `The sizes are measured in turn on the same gateway: ${phases.map((p) => int(p.size)).join(", then ")} open (each size adds subscriptions to those already open).`
        : ""),
    "",
    `- **Memory**: the gateway process's \`process.memoryUsage()\` after two forced GCs, with N subscriptions open and idle for 3 s, minus the same before any was opened ` +
      `(after a warm-up that opened, fed and closed ${warm}), divided by N. Heap+external is the main figure; RSS also counts freed pages the process keeps and native memory.`,
    `- **Commit → delivery**: ${args.rounds} payments per size (\`recordPayment\` of 1 minor unit on case X's loan, through the gateway over HTTP), one at a time, each waited for ` +
      `until all ${int(args.concerned)} concerned clients had it (${int(args.rounds * args.concerned)} samples per size). A sample is the client's \`Date.now()\` on receipt minus the payload's ` +
      `\`occurredAt\`. That stamp is taken as the loans subgraph begins \`recordPayment\`, before its transaction, so the figure is an upper bound: it also counts the transaction. ` +
      `The lower bound measures from the bus's \`published_at\` instead, stamped when the relay's transaction began, after the commit. ` +
      `All stamps are milliseconds of the one machine's clock. Every event brings ${int(args.concerned)} samples, so p99 and max are set by the slowest one or two of the ${args.rounds} events ` +
      `and move with other load on the machine (load average above).`,
    "",
    "| open subscriptions | concerned / unconcerned | gateway heap+external: before → open | per subscriber | gateway RSS: before → open | per subscriber (RSS) | commit → delivery p50 | p99 | max | lower bound (bus → delivery) p50 / p99 | resolutions per event |",
    "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ...table,
    "",
    `- Memory per idle subscriber: **${worstKb.toFixed(1)} KB** of heap+external at most (${worstKb <= GOAL_KB ? "meets" : "misses"} the goal of ≤ ${GOAL_KB} KB).${marginal} ` +
      `After every subscription was closed the gateway was back at ${mb(heapExt(afterAll))} (before: ${mb(heapExt(before))}).`,
    `- Commit → delivery p99 with ${int(args.concerned)} concerned: **${ms(worstP99)} ms** at worst (${worstP99 <= GOAL_P99_MS ? "meets" : "misses"} the goal of ≤ ${GOAL_P99_MS} ms).`,
    "",
    "Where one event's time goes (medians over the events; epoch milliseconds from both processes' clocks). \"Resolution\" is the one ordinary query the hub runs for the event, timed around `executeOperation` in the gateway process:",
    "",
    "| open subscriptions | bus entries per payment | start of recordPayment → on the bus | → resolution starts | resolution | → first client has it | first → last of the concerned | start of recordPayment → last client |",
    "| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ...stages,
    "",
  ];
  if (heap) {
    lines.push(
      `What one idle subscriber is made of: V8 heap snapshots of the gateway with the ${int(args.concerned)} concerned subscriptions open and after they were closed ` +
        `(taken after all the measurements above) differ by ${kb(heap.bytes)} of objects per subscriber (self sizes, compiled code left out); the largest groups:`,
      "",
      "| object (constructor or kind) | per subscriber | bytes per subscriber |",
      "| --- | ---: | ---: |",
      ...heapRows,
      "",
    );
  }
  // What dominates, in a few sentences, from this run's own figures.
  const grows = paired(last) && paired(first) && last !== first && stage.toResolve(last) - stage.toResolve(first) >= 2;
  const why: string[] = [];
  why.push(
    `What dominates the latency, at ${int(last.size)} open (medians per event): ${ms(stage.toBus(last))} ms from the start of \`recordPayment\` until its entries are on the bus, ` +
      (paired(last)
        ? `${ms(stage.toResolve(last))} ms more until the gateway starts resolving the event${grows ? ` (${ms(stage.toResolve(first))} ms with ${int(first.size)} open)` : ""}, ` +
          `for each of the ${Number(eventsPerPayment.toFixed(2))} bus entries of a payment the hub checks the subscriptions not confined to a case and those confined to its case, not all ${int(last.size)}; ` +
          `${ms(stage.resolve(last))} ms for the one resolution shared by all ${int(args.concerned)}, and ${ms(stage.spread(last))} ms between the first and the last of them receiving it, ` +
          `while the gateway writes the payload to one socket after another on its one thread (and this process, which also runs the subgraphs, reads them).`
        : `then the gateway's resolutions could not be paired with the events (${last.resolutionsPerEvent} per event), so the rest is not split.`),
  );
  if (profile) {
    const top = profile.functions.slice(0, 4).map((f) => `\`${f.name}\` ${ms(f.ms)} ms`);
    why.push(
      `Sampled over ${profileRounds} further rounds at ${int(last.size)} open (not among the figures above), the gateway's thread was busy ${ms(profile.busyMs)} of ${ms(profile.wallMs)} ms ` +
        `(GC ${ms(profile.gcMs)} ms), most in ${top.join(", ")} (self times).`,
    );
  }
  if (heap && doc) {
    why.push(
      // The gateway parses, checks and plans each operation text once; its subscribers share them.
      (tokens.count >= 1
        ? `In memory, each subscriber still holds a parsed document of its own (${Math.round(tokens.count)} lexer \`Token\`s and ${Math.round(locations.count)} \`Location\`s per subscriber in the heap snapshots; ${kb(doc.withLocations)} for this query as \`parse\` keeps it); `
        : `In memory, subscribers sending the same text share one parsed document and plan (${kb(doc.withLocations)} for this query as \`parse\` keeps it, held once; no lexer \`Token\` or \`Location\` per subscriber in the heap snapshots); `) +
        `the rest is mostly the connection (the \`ws\` socket, the HTTP upgrade request and \`connection_init\` payload graphql-ws keeps, the token-expiry and keep-alive timers) and the hub's \`Subscriber\`.`,
    );
  }
  lines.push(why.join(" "), "");

  console.log(lines.join("\n"));
  if (profile) {
    console.log(`\nGateway CPU, ${profileRounds} profiled rounds at ${int(last.size)} open: busy ${ms(profile.busyMs)} of ${ms(profile.wallMs)} ms, GC ${ms(profile.gcMs)} ms`);
    for (const o of profile.owners.slice(0, 10)) console.log(`  ${ms(o.ms).padStart(6)} ms  ${o.name}`);
    console.log("");
    for (const f of profile.functions.slice(0, 15)) console.log(`  ${ms(f.ms).padStart(6)} ms  ${f.name}`);
  }
  if (args.write) {
    writeBenchmarkSection(SECTION_TITLE, lines.join("\n"));
    log("updated BENCHMARKS.md");
  } else log("not written to BENCHMARKS.md (quick run, a diagnostic or --no-write)");
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
