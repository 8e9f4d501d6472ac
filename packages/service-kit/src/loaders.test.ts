import { describe, expect, it } from "vitest";
import { byIdLoader, groupedLoader } from "./loaders";

const A = "01900000-0000-7000-8000-00000000000a";
const B = "01900000-0000-7000-8000-00000000000b";

/** A DataSource that answers from `rows` and records every statement. */
function fakeDs(rows: Array<Record<string, any>>) {
  const calls: Array<{ sql: string; params: unknown[] }> = [];
  return {
    calls,
    ds: {
      query: async (sql: string, params: unknown[]) => {
        calls.push({ sql, params });
        const keys = params[0] as string[];
        return rows.filter((r) => keys.includes(r.id) || keys.includes(r.parent_id));
      },
    } as any,
  };
}

describe("byIdLoader", () => {
  it("loads a tick's ids in one statement, matching ids in either case", async () => {
    const { ds, calls } = fakeDs([{ id: A, name: "a" }, { id: B, name: "b" }]);
    const loader = byIdLoader(ds, "SELECT", (r) => r.name as string);
    expect(await Promise.all([loader.load(A.toUpperCase()), loader.load(B), loader.load("01900000-0000-7000-8000-0000000000ff")])).toEqual(["a", "b", null]);
    expect(calls).toEqual([{ sql: "SELECT", params: [[A, B, "01900000-0000-7000-8000-0000000000ff"]] }]);
  });

  it("answers null for what is not a uuid without sending it, and sends nothing when nothing is left", async () => {
    const { ds, calls } = fakeDs([{ id: A, name: "a" }]);
    const loader = byIdLoader(ds, "SELECT", (r) => r.name as string);
    expect(await Promise.all([loader.load("42"), loader.load("x'; DROP TABLE")])).toEqual([null, null]);
    expect(calls).toEqual([]);
    expect(await Promise.all([loader.load("43"), loader.load(A)])).toEqual([null, "a"]);
    expect(calls[0]!.params).toEqual([[A]]);
  });

  it("matches on another column when told", async () => {
    const { ds } = fakeDs([{ id: "row", parent_id: A, name: "p" }]);
    expect(await byIdLoader(ds, "SELECT", (r) => r.name as string, "parent_id").load(A)).toBe("p");
  });
});

describe("groupedLoader", () => {
  it("groups rows by the key column in the order they came, an empty list for a key with none", async () => {
    const { ds, calls } = fakeDs([
      { id: "1", parent_id: A, n: 1 },
      { id: "2", parent_id: B, n: 2 },
      { id: "3", parent_id: A, n: 3 },
    ]);
    const loader = groupedLoader(ds, "SELECT", "parent_id", (r) => r.n as number);
    const other = "01900000-0000-7000-8000-0000000000ff";
    expect(await Promise.all([loader.load(A), loader.load(B.toUpperCase()), loader.load(other), loader.load("nope")])).toEqual([[1, 3], [2], [], []]);
    expect(calls).toEqual([{ sql: "SELECT", params: [[A, B, other]] }]);
  });
});
