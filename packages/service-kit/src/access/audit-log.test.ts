import { describe, expect, it } from "vitest";
import type { DataSource } from "typeorm";
import { FixedClock } from "../clock";
import { createLogger } from "../logger";
import { auditFlushPlugin, jsonbOrder } from "./audit-log";
import { RequestAudit } from "./audit-sink";

const principal = { sub: "a", role: "agency" as const, agencyId: "A1", scope: [] };
const silent = createLogger("test").child({}, { level: "silent" });

/** Runs the plugin's willSendResponse for one request against `ds`; returns the response body. */
async function flush(ds: Partial<DataSource>, fill: (a: RequestAudit) => void) {
  const audit = new RequestAudit();
  fill(audit);
  const response = { body: { kind: "single", singleResult: { data: { revealContact: { value: "+8613800001234" } } } } };
  const listener = (await auditFlushPlugin(ds as DataSource, silent, new FixedClock(new Date("2026-11-25T10:00:00Z"))).requestDidStart!({} as any))!;
  await listener.willSendResponse!({ contextValue: { audit, principal, requestId: "r1" }, response } as any);
  return response.body.singleResult as Record<string, unknown>;
}

const failing: Partial<DataSource> = { transaction: (async () => { throw new Error("database down"); }) as any };

describe("auditFlushPlugin", () => {
  it("withholds the response when a reveal in it cannot be recorded", async () => {
    const body = await flush(failing, (a) => a.reveal({ type: "Borrower", field: "phone", objectId: "b1", path: "revealContact" }));
    expect(body.data).toBeUndefined();
    expect(body).toEqual({ errors: [{ message: "Internal server error", extensions: { code: "INTERNAL_SERVER_ERROR" } }] });
    expect(JSON.stringify(body)).not.toContain("1234");
  });

  it("still answers when only refusals could not be recorded (nothing was shown)", async () => {
    const body = await flush(failing, (a) => a.forbidden({ type: "Borrower", field: "phone", path: "x" }));
    expect(body.data).toBeDefined();
  });

  it("touches no database when the request gathered nothing", async () => {
    let called = false;
    await flush({ transaction: (async () => { called = true; }) as any }, () => {});
    expect(called).toBe(false);
  });
});

describe("jsonbOrder", () => {
  it("orders keys as PostgreSQL's jsonb returns them: shorter first, then bytewise, at every depth", () => {
    const v = jsonbOrder({ objectIds: ["b", "a"], count: 2, id: { zz: 1, b: 2, a: 3 } });
    expect(JSON.stringify(v)).toBe('{"id":{"a":3,"b":2,"zz":1},"count":2,"objectIds":["b","a"]}');
  });
});
