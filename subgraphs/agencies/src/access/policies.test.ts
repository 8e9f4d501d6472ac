import { describe, expect, it } from "vitest";
import { fieldsWithoutPolicy } from "@concord/service-kit";
import { buildAgenciesSchema } from "../schema";

describe("agencies field policies", () => {
  it("declares a policy for every field of every object type", async () => {
    expect(fieldsWithoutPolicy(await buildAgenciesSchema())).toEqual([]);
  });
});
