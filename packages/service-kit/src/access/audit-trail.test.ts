import "reflect-metadata";
import { describe, expect, it } from "vitest";
import { decodeCursor, encodeCursor } from "../cursor";
import { auditPageKey, decodeAuditCursor, mergeAuditSlices, readAuditPageKey, type AuditPageRequest } from "./audit-trail";

/** Entries of one chain: sequence numbers `from`.., at the given seconds past 10:00. */
const chain = (subgraph: string, from: number, seconds: number[]) =>
  seconds.map((s, i) => ({
    id: `${subgraph}-${from + i}`,
    subgraph,
    sequence: from + i,
    occurredAt: new Date(Date.UTC(2026, 10, 25, 10, 0, s)).toISOString(),
    action: "FORBIDDEN",
    actorSub: "x",
    actorRole: "agency",
    actorOrg: null,
    subject: "Query.x",
    objectId: null,
    requestId: null,
    prevHash: "",
    hash: "",
  }));

/** The slices a subgraph would hand over for `page`, cut from its whole chain. */
const sliceOf = (whole: ReturnType<typeof chain>, page: AuditPageRequest, name: string) => {
  const rest = whole.filter((e) => e.sequence > (page.after[name] ?? 0));
  return { entries: rest.slice(0, page.first), hasMore: rest.length > page.first };
};

describe("the audit trail's merge", () => {
  const loans = chain("loans", 1, [1, 3, 3, 7, 9]);
  // Agencies' clock ran behind at #3: its chain order holds even so.
  const agencies = chain("agencies", 1, [2, 3, 1, 8]);

  const walk = (first: number) => {
    const out: string[] = [];
    let after: string | null = null;
    for (let n = 0; n < 50; n++) {
      const page = { first, after: decodeAuditCursor(after) };
      const r = mergeAuditSlices(page, { loans: sliceOf(loans, page, "loans"), agencies: sliceOf(agencies, page, "agencies") });
      expect(r.entries.length).toBeLessThanOrEqual(first);
      out.push(...r.entries.map((e) => e.id));
      if (!(after = r.endCursor)) return out;
    }
    throw new Error("no end");
  };

  it("merges by time, ties in registry order, each chain in its own order, and ends with a null cursor", () => {
    expect(walk(100)).toEqual(["loans-1", "agencies-1", "loans-2", "loans-3", "agencies-2", "agencies-3", "loans-4", "agencies-4", "loans-5"]);
  });

  it("gives every entry exactly once however the pages fall", () => {
    const whole = walk(100);
    for (const first of [1, 2, 3, 4, 8, 9]) expect(walk(first), `first ${first}`).toEqual(whole);
  });

  it("keeps a position per subgraph in its cursor, and says there is more while a slice had more than it showed", () => {
    const page = { first: 2, after: {} };
    const r = mergeAuditSlices(page, { loans: sliceOf(loans, page, "loans"), agencies: sliceOf(agencies, page, "agencies") });
    expect(decodeCursor(r.endCursor!, (_v): _v is Record<string, number> => true)).toEqual({ loans: 1, agencies: 1 });
    const empty = mergeAuditSlices({ first: 5, after: {} }, { loans: { entries: [], hasMore: false }, agencies: { entries: [], hasMore: false } });
    expect(empty).toEqual({ entries: [], endCursor: null });
  });
});

describe("the audit trail's cursor and page key", () => {
  it("reads a cursor of positions, and the loans-only cursor from before the trail spanned subgraphs", () => {
    expect(decodeAuditCursor(encodeCursor({ loans: 4, agencies: 2 }))).toEqual({ loans: 4, agencies: 2 });
    expect(decodeAuditCursor(encodeCursor({ seq: 9 }))).toEqual({ loans: 9 });
    expect(decodeAuditCursor(null)).toEqual({});
  });

  it("refuses a cursor naming a subgraph the registry does not hold, or a position that is not a count", () => {
    for (const bad of [encodeCursor({ nowhere: 1 }), encodeCursor({ loans: -1 }), encodeCursor({ loans: "1" }), "!!"]) {
      expect(() => decodeAuditCursor(bad)).toThrow(/Malformed cursor/);
    }
  });

  it("carries the page size and start through the entity key, checked at both ends", () => {
    const key = auditPageKey({ first: 7, after: encodeCursor({ agencies: 3 }) });
    expect(readAuditPageKey(key)).toEqual({ first: 7, after: { agencies: 3 } });
    expect(readAuditPageKey(auditPageKey({}))).toEqual({ first: 50, after: {} });
    expect(() => auditPageKey({ first: 501 })).toThrow(/first must be between 1 and 500/);
    expect(() => readAuditPageKey("9999:")).toThrow();
    expect(() => readAuditPageKey("x")).toThrow(/Malformed audit page/);
  });
});
