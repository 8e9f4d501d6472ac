import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { freshDatabase } from "../testing/test-database";
import { createDataSource, migrate } from "../data-source";
import { waitFor } from "./bus.contract";
import { EventTables1764000001000 } from "./migration";
import { appendToOutbox } from "./outbox";
import { OutboxRelay } from "./relay";
import { newEvent } from "./envelope";
import type { BusMessage, EventBus } from "./bus";

const cleanup: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const c of cleanup.reverse()) await c();
});

/** A bus that keeps what it is given, in memory, for watching the relay alone. */
function recordingBus(): EventBus & { got: BusMessage[] } {
  const got: BusMessage[] = [];
  return {
    kind: "postgres",
    got,
    publish: async (m) => void got.push(...m),
    subscribe: async () => ({ stop: async () => {} }),
    head: async () => got.length,
    read: async () => [],
    tail: async () => ({ stop: async () => {} }),
    close: async () => {},
  };
}

describe("outbox relay", () => {
  it("reconnects after its connection is cut, and relays what was written meanwhile", async () => {
    const db = await freshDatabase("relay");
    cleanup.push(() => db.drop());
    const ds = await createDataSource({ url: db.url, migrations: [EventTables1764000001000] });
    cleanup.push(() => ds.destroy());
    await migrate(ds);
    const bus = recordingBus();
    const relay = new OutboxRelay({ url: db.url, bus, pollMs: 100 });
    await relay.start();
    cleanup.push(() => relay.stop());
    const write = (n: number) =>
      ds.transaction((tx) =>
        appendToOutbox(tx, [newEvent({ type: "Happened", aggregateType: "Thing", aggregateId: `t${n}`, lenderId: null, payload: { n } }, new Date())]),
      );
    await write(1);
    await waitFor(() => bus.got.length === 1);

    const admin = new pg.Client({ connectionString: db.url });
    await admin.connect();
    const cut = await admin.query(
      `SELECT pg_terminate_backend(pid) FROM pg_locks
        WHERE locktype = 'advisory' AND objid = 727200 AND granted
          AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
    );
    await admin.end();
    expect(cut.rowCount).toBe(1);

    await write(2);
    await waitFor(() => bus.got.length === 2, 10_000);
    expect(bus.got.map((m) => JSON.parse(m.data).payload.n)).toEqual([1, 2]);
    // The relay marks a batch published right after the bus took it: wait for that, not just the publish.
    const pending = async () => (await ds.query("SELECT count(*)::int AS n FROM outbox WHERE published_at IS NULL"))[0].n as number;
    for (let tries = 0; (await pending()) > 0 && tries < 100; tries++) await new Promise((r) => setTimeout(r, 50));
    expect(await pending()).toBe(0);
  });
});

