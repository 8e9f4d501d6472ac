import { describe, expect, it } from "vitest";
import { isObjectType } from "graphql";
import { declaredFieldPolicies } from "@concord/service-kit";
import { buildLoansSchema } from "../schema";

// Federation's own plumbing, not part of the graph callers use through the gateway.
const FEDERATION = new Set(["_Service", "Query._service", "Query._entities"]);

describe("field policies", () => {
  it("declares a policy for every field of every object type of the loans subgraph", async () => {
    const schema = await buildLoansSchema();
    const declared = new Set(declaredFieldPolicies().map((f) => `${f.type}.${f.field}`));
    const missing: string[] = [];
    for (const type of Object.values(schema.getTypeMap())) {
      if (!isObjectType(type) || type.name.startsWith("__") || FEDERATION.has(type.name)) continue;
      for (const field of Object.keys(type.getFields())) {
        const key = `${type.name}.${field}`;
        if (!FEDERATION.has(key) && !declared.has(key)) missing.push(key);
      }
    }
    expect(missing).toEqual([]);
  });

  it("declares no policy for a field the schema does not have", async () => {
    const schema = await buildLoansSchema();
    const stale = declaredFieldPolicies().filter((f) => {
      const t = schema.getType(f.type);
      return !t || !isObjectType(t) || !t.getFields()[f.field];
    });
    expect(stale).toEqual([]);
  });
});
