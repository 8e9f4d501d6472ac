import { describe, expect, it } from "vitest";
import { REFUSAL_SAMPLE_IDS, RequestAudit } from "./audit-sink";

describe("RequestAudit", () => {
  it("writes one FORBIDDEN per (type, field) however many objects were refused, with the count and the first few ids", () => {
    const audit = new RequestAudit();
    for (let i = 0; i < 10_000; i++) {
      audit.forbidden({ type: "Borrower", field: "nationalId", path: `collectionCases.edges.${i}.node.borrower.nationalId`, objectId: `b${i}` });
      audit.forbidden({ type: "CollectionCase", field: "daysPastDue", path: `collectionCases.edges.${i}.node.daysPastDue`, objectId: `c${i}` });
    }
    const rows = audit.drain();
    expect(rows).toEqual([
      {
        action: "FORBIDDEN",
        type: "Borrower",
        field: "nationalId",
        objectId: "b0",
        path: "collectionCases.edges.0.node.borrower.nationalId",
        detail: { count: 10_000, objectIds: ["b0", "b1", "b2", "b3", "b4"] },
      },
      expect.objectContaining({ type: "CollectionCase", field: "daysPastDue", objectId: "c0", detail: { count: 10_000, objectIds: ["c0", "c1", "c2", "c3", "c4"] } }),
    ]);
    expect((rows[0]!.detail!.objectIds as string[]).length).toBe(REFUSAL_SAMPLE_IDS);
  });

  it("counts every refused instance but samples each object once, and keeps refusals of objects without ids", () => {
    const audit = new RequestAudit();
    audit.forbidden({ type: "Mutation", field: "placeCase", path: "placeCase" });
    audit.forbidden({ type: "Borrower", field: "phone", path: "a.phone", objectId: "b1" });
    audit.forbidden({ type: "Borrower", field: "phone", path: "b.phone", objectId: "b1" });
    expect(audit.drain()).toEqual([
      { action: "FORBIDDEN", type: "Mutation", field: "placeCase", objectId: null, path: "placeCase", detail: { count: 1, objectIds: [] } },
      { action: "FORBIDDEN", type: "Borrower", field: "phone", objectId: "b1", path: "a.phone", detail: { count: 2, objectIds: ["b1"] } },
    ]);
  });

  it("writes one PII_REVEAL per revealed value, once however often the request shows it, in the order first seen", () => {
    const audit = new RequestAudit();
    audit.reveal({ type: "Borrower", field: "address", objectId: "b1", path: "x.address" });
    audit.forbidden({ type: "Borrower", field: "nationalId", path: "x.nationalId", objectId: "b1" });
    audit.reveal({ type: "Borrower", field: "address", objectId: "b1", path: "y.address" });
    audit.reveal({ type: "Borrower", field: "address", objectId: "b2", path: "z.address" });
    audit.reveal({ type: "Borrower", field: "phone", objectId: "b1", path: "revealContact", detail: { caseId: "c1", channel: "CALL" } });
    const rows = audit.drain();
    expect(rows.map((r) => [r.action, `${r.type}.${r.field}`, r.objectId])).toEqual([
      ["PII_REVEAL", "Borrower.address", "b1"],
      ["FORBIDDEN", "Borrower.nationalId", "b1"],
      ["PII_REVEAL", "Borrower.address", "b2"],
      ["PII_REVEAL", "Borrower.phone", "b1"],
    ]);
    expect(rows[0]).toEqual({ action: "PII_REVEAL", type: "Borrower", field: "address", objectId: "b1", path: "x.address", detail: null });
    expect(rows[3]!.detail).toEqual({ caseId: "c1", channel: "CALL" });
  });

  it("forgets what it handed over", () => {
    const audit = new RequestAudit();
    audit.forbidden({ type: "T", field: "f", path: "f" });
    expect(audit.drain()).toHaveLength(1);
    expect(audit.drain()).toEqual([]);
  });
});
