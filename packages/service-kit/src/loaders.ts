import DataLoader from "dataloader";
import type { DataSource } from "typeorm";
import { isUuid } from "./ids";

/**
 * The two DataLoader shapes every subgraph batches with: one object per id, and a list per
 * parent key. Each runs one statement per tick, `sql` taking the batch's keys as `$1::uuid[]`.
 */

/** A row as `ds.query` returns it. */
type Row = Record<string, any>;

/** What a loader needs of a DataSource (a fake in unit tests). */
type Queryable = Pick<DataSource, "query">;

/**
 * The batch's keys that are uuids, lower-cased: PostgreSQL prints uuids in lower case and
 * callers may send either; anything else cannot match and would fail the `::uuid[]` cast.
 */
async function rowsFor(ds: Queryable, sql: string, keys: readonly string[]): Promise<Row[]> {
  const valid = keys.filter(isUuid).map((k) => k.toLowerCase());
  return valid.length ? ds.query(sql, [valid]) : [];
}

/**
 * One object per id, or null when there is none (or the id is not a uuid).
 * @param idColumn the column the ids are matched against in the rows. @default "id"
 */
export function byIdLoader<T>(ds: Queryable, sql: string, map: (row: Row) => T, idColumn = "id"): DataLoader<string, T | null> {
  return new DataLoader(async (ids) => {
    const found = new Map((await rowsFor(ds, sql, ids)).map((r) => [r[idColumn] as string, map(r)]));
    return ids.map((id) => found.get(id.toLowerCase()) ?? null);
  });
}

/** The objects of each parent key, grouped by the row's `key` column, in the order `sql` returns them. */
export function groupedLoader<T>(ds: Queryable, sql: string, key: string, map: (row: Row) => T): DataLoader<string, T[]> {
  return new DataLoader(async (keys) => {
    const groups = new Map<string, T[]>();
    for (const r of await rowsFor(ds, sql, keys)) {
      const list = groups.get(r[key]) ?? [];
      list.push(map(r));
      groups.set(r[key], list);
    }
    return keys.map((k) => groups.get(k.toLowerCase()) ?? []);
  });
}
