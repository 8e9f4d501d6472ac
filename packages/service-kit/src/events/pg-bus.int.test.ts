import { afterAll } from "vitest";
import { freshDatabase } from "../testing/test-database";
import { busContract } from "./bus.contract";
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
