import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createDataSource,
  createLogger,
  env,
  EventTables1764000001000,
  FixedClock,
  migrate,
  NatsEventBus,
  newEvent,
  OutboxRelay,
  PgEventBus,
  startConsumer,
  type EventBus,
} from "@concord/service-kit";
import { codes, createTestDatabase, lenderPrincipal, subgraphCaller, TEST_GATEWAY_KEYS, until, type TestDatabase } from "@concord/test-kit";
import type { DataSource } from "typeorm";
import { start, type LoansService } from "./index";
import { CaseSynchroniser } from "./modules/collection-case/collection-case.service";
import { makeLender, makeLoan } from "./testing/fixtures";


const silent = createLogger("test").child({}, { level: "silent" });
const natsUrl = env().NATS_URL;
if (!natsUrl) console.warn("Loans events over NATS DID NOT RUN: NATS_URL is not set (CI sets it).");

const buses: Array<[string, () => Promise<{ bus: EventBus; cleanup(): Promise<void> }>]> = [
  [
    "PostgreSQL",
    async () => {
      const db = await createTestDatabase("busdb");
      const bus = await PgEventBus.open({ url: db.url, pollMs: 200 });
      return { bus, cleanup: async () => (await bus.close(), await db.drop()) };
    },
  ],
];
if (natsUrl) {
  buses.push([
    "NATS JetStream",
    async () => {
      const tag = randomBytes(4).toString("hex");
      const stream = `CONCORD_LOANS_TEST_${tag}`;
      const bus = await NatsEventBus.open({ url: natsUrl, stream, prefix: `concord.loanstest.${tag}` });
      return {
        bus,
        cleanup: async () => {
          await bus.close();
          const admin = await NatsEventBus.open({ url: natsUrl, stream, prefix: `concord.loanstest.${tag}` });
          await (admin as any).nc.jetstreamManager().then((m: any) => m.streams.delete(stream)).catch(() => undefined);
          await admin.close();
        },
      };
    },
  ]);
}

const RECORD = `mutation($input: RecordPaymentInput!) { recordPayment(input: $input) { replayed } }`;
const clock = new FixedClock(new Date("2026-06-20T12:00:00Z"));

describe.each(buses)("loans events on the %s bus", (_name, openBus) => {
  let loansDb: TestDatabase;
  let consumerDb: TestDatabase;
  let svc: LoansService;
  let consumerDs: DataSource;
  let bus: EventBus;
  let cleanup: () => Promise<void>;
  let lenderId: string;
  const call = subgraphCaller("loans", () => svc.url, () => lenderPrincipal(lenderId));

  beforeAll(async () => {
    ({ bus, cleanup } = await openBus());
    loansDb = await createTestDatabase("loansev");
    consumerDb = await createTestDatabase("consumer");
    // The service runs without a relay; each test drives relays itself.
    svc = await start({ gatewayKeys: TEST_GATEWAY_KEYS, databaseUrl: loansDb.url, clock, logger: silent });
    lenderId = await makeLender(svc.ds);
    consumerDs = await createDataSource({ url: consumerDb.url, migrations: [EventTables1764000001000] });
    await migrate(consumerDs);
    await consumerDs.query(
      `CREATE TABLE effect (n bigserial PRIMARY KEY, consumer text, event_id uuid, type text, aggregate_id text, payload jsonb)`,
    );
  });
  afterAll(async () => {
    await svc?.stop();
    await consumerDs?.destroy();
    await cleanup?.();
    await loansDb?.drop();
    await consumerDb?.drop();
  });

  const outboxCount = async () => (await svc.ds.query("SELECT count(*)::int AS n FROM outbox"))[0].n as number;

  /** A consumer whose effect is one `effect` row per event. */
  const recordingConsumer = (name: string, fail?: (type: string) => boolean) =>
    startConsumer({
      name,
      bus,
      ds: consumerDs,
      maxAttempts: 3,
      backoffMs: 10,
      logger: silent,
      handle: async (event, tx) => {
        if (fail?.(event.type)) throw new Error(`cannot handle ${event.type}`);
        await tx.query("INSERT INTO effect (consumer, event_id, type, aggregate_id, payload) VALUES ($1, $2, $3, $4, $5)", [
          name, event.id, event.type, event.aggregateId, JSON.stringify(event.payload),
        ]);
      },
    });

  it("writes nothing to the outbox when the change rolls back", async () => {
    const before = await outboxCount();
    await expect(
      svc.ds.transaction(async (tx) => {
        const sync = new CaseSynchroniser(tx, clock.now());
        sync.emit(newEvent({ type: "CaseUpdated", aggregateType: "CollectionCase", aggregateId: "x", lenderId: null, payload: {} }, clock.now()));
        await sync.flush();
        expect((await tx.query("SELECT count(*)::int AS n FROM outbox"))[0].n).toBe(before + 1);
        throw new Error("the change fails after its events were written");
      }),
    ).rejects.toThrow();
    const { loanId } = await makeLoan(svc.ds, { lenderId, originatedOn: "2026-02-15", installments: 6, amountMinor: 10_000 });
    const refused = await call(RECORD, {
      input: { loanId, amountMinor: 99_999_999, currency: "GBP", receivedAt: "2026-06-20T09:00:00Z", externalReference: "TOO-MUCH" },
    });
    expect(codes(refused)).toEqual(["BAD_USER_INPUT"]);
    expect(await outboxCount()).toBe(before);
  });

  it("delivers loans' events exactly once in effect across a relay crash and a redelivery", async () => {
    const { loanId } = await makeLoan(svc.ds, { lenderId, originatedOn: "2026-02-15", installments: 6, amountMinor: 10_000 });
    await call(`mutation { refreshDelinquency(asOf: "2026-06-20") { casesOpened } }`);
    for (const [i, amount] of [5_000, 15_000, 20_000].entries()) {
      const r = await call(RECORD, {
        input: { loanId, amountMinor: amount, currency: "GBP", receivedAt: "2026-06-20T09:00:00Z", externalReference: `EV-${loanId}-${i}` },
      });
      expect(r.errors).toBeUndefined();
    }
    const expected: Array<{ id: string; type: string }> = await svc.ds.query(
      `SELECT id::text, type FROM outbox WHERE published_at IS NULL ORDER BY seq`,
    );
    expect(expected.map((e) => e.type)).toEqual(
      expect.arrayContaining(["CaseOpened", "PaymentRecorded", "CaseUpdated", "CaseResolved"]),
    );

    // The relay dies after the bus has the batch but before marking it sent.
    let attempts = 0;
    const crashing = new OutboxRelay({
      url: loansDb.url,
      bus,
      batchSize: 1000,
      afterPublish: () => {
        attempts++;
        throw new Error("relay killed mid-batch");
      },
    });
    await crashing.start();
    await until(async () => attempts > 0);
    await crashing.stop();
    expect((await svc.ds.query("SELECT count(*)::int AS n FROM outbox WHERE published_at IS NULL"))[0].n).toBe(await outboxCount());

    // Restarted, it sends the whole batch again and marks it sent.
    const relay = new OutboxRelay({ url: loansDb.url, bus, pollMs: 100 });
    await relay.start();
    await until(async () => (await svc.ds.query("SELECT count(*)::int AS n FROM outbox WHERE published_at IS NULL"))[0].n === 0);
    await relay.stop();

    const name = `test-exactly-once-${randomBytes(3).toString("hex")}`;
    const effects = async (): Promise<Array<{ id: string }>> =>
      consumerDs.query("SELECT event_id::text AS id FROM effect WHERE consumer = $1 ORDER BY n", [name]);
    const mine = async () => (await effects()).filter((e) => expected.some((x) => x.id === e.id));
    let sub = await recordingConsumer(name);
    await until(async () => (await mine()).length >= expected.length);
    await sub.stop();

    // The same events delivered to the same consumer again (under new bus ids, as a consumer
    // that crashed before acknowledging would get them): the inbox absorbs every one.
    const envelopes: string[] = (await svc.ds.query("SELECT envelope FROM outbox WHERE id = ANY($1::uuid[]) ORDER BY seq", [expected.map((e) => e.id)])).map((r: any) => r.envelope);
    const marker = newEvent({ type: "Marker", aggregateType: "Test", aggregateId: name, lenderId: null, payload: {} }, clock.now());
    await bus.publish([
      ...envelopes.map((data, i) => ({ id: `again-${name}-${i}`, subject: "CollectionCase.Again", data })),
      { id: marker.id, subject: "Test.Marker", data: JSON.stringify(marker) },
    ]);
    sub = await recordingConsumer(name);
    await until(async () => (await effects()).some((e) => e.id === marker.id));
    await sub.stop();

    expect((await mine()).map((e) => e.id)).toEqual(expected.map((e) => e.id));
  });

  it("has one effect for a duplicate delivery", async () => {
    const name = `test-dup-${randomBytes(3).toString("hex")}`;
    const event = newEvent({ type: "CaseUpdated", aggregateType: "CollectionCase", aggregateId: "dup", lenderId: null, payload: { n: 1 } }, clock.now());
    const data = JSON.stringify(event);
    // Two messages with different bus ids but the same event: the bus cannot collapse them.
    await bus.publish([
      { id: `${event.id.slice(0, -4)}aaaa`, subject: "CollectionCase.CaseUpdated", data },
      { id: `${event.id.slice(0, -4)}bbbb`, subject: "CollectionCase.CaseUpdated", data },
      { id: newEvent({ type: "Marker", aggregateType: "Test", aggregateId: "m", lenderId: null, payload: {} }, clock.now()).id, subject: "Test.Marker", data: JSON.stringify(newEvent({ type: "Marker", aggregateType: "Test", aggregateId: name, lenderId: null, payload: {} }, clock.now())) },
    ]);
    const sub = await recordingConsumer(name);
    await until(async () => (await consumerDs.query("SELECT 1 FROM effect WHERE consumer = $1 AND aggregate_id = $1", [name])).length === 1);
    await sub.stop();
    const rows = await consumerDs.query("SELECT count(*)::int AS n FROM effect WHERE consumer = $1 AND event_id = $2", [name, event.id]);
    expect(rows[0].n).toBe(1);
  });

  it("keeps each aggregate's events in commit order under concurrent writers", async () => {
    const loans = await Promise.all(
      [0, 1, 2].map(() => makeLoan(svc.ds, { lenderId, originatedOn: "2026-01-15", installments: 10, amountMinor: 10_000 })),
    );
    await call(`mutation { refreshDelinquency(asOf: "2026-06-20") { casesOpened } }`);
    const relay = new OutboxRelay({ url: loansDb.url, bus, pollMs: 50, batchSize: 7 });
    await relay.start();
    await Promise.all(
      loans.flatMap(({ loanId }) =>
        Array.from({ length: 8 }, (_, i) =>
          call(RECORD, {
            input: { loanId, amountMinor: 1_000 + i, currency: "GBP", receivedAt: "2026-06-20T09:00:00Z", externalReference: `ORD-${loanId}-${i}` },
          }),
        ),
      ),
    );
    const name = `test-order-${randomBytes(3).toString("hex")}`;
    const sub = await recordingConsumer(name);
    const caseIds: string[] = (await svc.ds.query("SELECT id::text FROM collection_case WHERE loan_id = ANY($1::uuid[])", [loans.map((l) => l.loanId)])).map((r: any) => r.id);
    await until(async () => {
      const [{ n }] = await consumerDs.query("SELECT count(*)::int AS n FROM effect WHERE consumer = $1 AND aggregate_id = ANY($2)", [name, caseIds]);
      const [{ m }] = await svc.ds.query("SELECT count(*)::int AS m FROM outbox WHERE aggregate_id = ANY($1)", [caseIds]);
      return n === m;
    });
    await sub.stop();
    await relay.stop();
    for (const caseId of caseIds) {
      const delivered = (await consumerDs.query("SELECT event_id::text AS id, payload FROM effect WHERE consumer = $1 AND aggregate_id = $2 ORDER BY n", [name, caseId]));
      const committed = (await svc.ds.query("SELECT id::text FROM outbox WHERE aggregate_id = $1 ORDER BY seq", [caseId])).map((r: any) => r.id);
      expect(delivered.map((d: any) => d.id)).toEqual(committed);
      // Payments only lower the arrears, so in commit order the amount overdue never rises.
      const overdue = delivered.map((d: any) => Number(d.payload.amountOverdueMinor));
      expect([...overdue].sort((a, b) => b - a)).toEqual(overdue);
    }
  });

  it("dead-letters a poison event and an event that keeps failing, and goes on", async () => {
    const name = `test-poison-${randomBytes(3).toString("hex")}`;
    const failing = newEvent({ type: "AlwaysFails", aggregateType: "Test", aggregateId: "f", lenderId: null, payload: {} }, clock.now());
    const good = newEvent({ type: "Fine", aggregateType: "Test", aggregateId: name, lenderId: null, payload: {} }, clock.now());
    await bus.publish([
      { id: `poison-${name}`, subject: "Test.Poison", data: "{this is not json" },
      { id: `${failing.id}`, subject: "Test.AlwaysFails", data: JSON.stringify(failing) },
      { id: `${good.id}`, subject: "Test.Fine", data: JSON.stringify(good) },
    ]);
    const sub = await recordingConsumer(name, (type) => type === "AlwaysFails");
    await until(async () => (await consumerDs.query("SELECT 1 FROM effect WHERE consumer = $1 AND event_id = $2", [name, good.id])).length === 1);
    await sub.stop();
    const dead = await consumerDs.query("SELECT event_id, reason, attempts FROM dead_letter WHERE consumer = $1 ORDER BY id", [name]);
    expect(dead).toHaveLength(2);
    expect(dead[0].reason).toMatch(/not JSON/);
    expect(dead[1]).toMatchObject({ event_id: failing.id, attempts: 3 });
    expect(dead[1].reason).toMatch(/cannot handle AlwaysFails/);
  });
});

