import { describe, expect, it } from "vitest";
import { isObjectType } from "graphql";
import { declaredFieldPolicies, fieldsWithoutPolicy } from "@concord/service-kit";
import { buildLoansSchema } from "../schema";

describe("loans field policies", () => {
  it("declares a policy for every field of every object type", async () => {
    expect(fieldsWithoutPolicy(await buildLoansSchema())).toEqual([]);
  });

  it("declares no policy for a loans type's field that the schema does not have", async () => {
    const schema = await buildLoansSchema();
    const stale = declaredFieldPolicies().filter((f) => {
      const t = schema.getType(f.type);
      return t && isObjectType(t) && !t.getFields()[f.field];
    });
    expect(stale).toEqual([]);
  });
});
