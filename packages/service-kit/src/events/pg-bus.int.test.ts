import { randomUUID } from "node:crypto";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { freshDatabase } from "../testing/test-database";
import { busContract, waitFor } from "./bus.contract";
import { PgEventBus } from "./pg-bus";

const dbs: Array<{ drop(): Promise<void> }> = [];
afterAll(async () => {
  for (const db of dbs) await db.drop();
});

busContract("PostgreSQL", async () => {
  const db = await freshDatabase("bus");
  dbs.push(db);
  return PgEventBus.open({ url: db.url, pollMs: 200 });
});

describe("PostgreSQL bus connections", () => {
  it("survives a consumer connection that is cut, and goes on delivering", async () => {
    const db = await freshDatabase("busdrop");
    dbs.push(db);
    const bus = await PgEventBus.open({ url: db.url, pollMs: 100 });
    const seen: string[] = [];
    const name = `drop-${randomUUID().slice(0, 8)}`;
    const sub = await bus.subscribe(name, async (d) => {
      seen.push(d.data);
    });
    await bus.publish([{ id: randomUUID(), subject: "Test.A", data: "first" }]);
    await waitFor(() => seen.includes("first"));
    // Cut every connection holding the consumer's lock, as a server restart or a proxy would.
    const admin = new pg.Client({ connectionString: db.url });
    await admin.connect();
    const cut = await admin.query(
      `SELECT pg_terminate_backend(pid) FROM pg_locks
        WHERE locktype = 'advisory' AND granted AND pid <> pg_backend_pid()
          AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
    );
    expect(cut.rowCount).toBeGreaterThanOrEqual(1);
    await admin.end();
    await bus.publish([{ id: randomUUID(), subject: "Test.A", data: "second" }]);
    await waitFor(() => seen.includes("second"), 10_000);
    await sub.stop();
    await bus.close();
    expect(seen.filter((s) => s === "second")).toHaveLength(1);
  });

  it("runs more consumers than its pool has connections, and publishing and every consumer go on", async () => {
    const db = await freshDatabase("busmany");
    dbs.push(db);
    const bus = await PgEventBus.open({ url: db.url, pollMs: 100 });
    // The pool holds 10: a process running a dozen consumers (the test federation does) must not starve.
    const seen = new Map<string, string[]>();
    const subs = await Promise.all(
      Array.from({ length: 12 }, (_, i) => {
        const name = `many-${i}-${randomUUID().slice(0, 8)}`;
        seen.set(name, []);
        return bus.subscribe(name, async (d) => void seen.get(name)!.push(d.data));
      }),
    );
    await bus.publish([{ id: randomUUID(), subject: "Test.A", data: "one" }]);
    await waitFor(() => [...seen.values()].every((s) => s.includes("one")), 10_000);
    for (const s of subs) await s.stop();
    await bus.close();
    expect([...seen.values()].map((s) => s.length)).toEqual(Array(12).fill(1));
  });
});
