import { describe, expect, it } from "vitest";
import type { SubgraphEntry } from "@concord/schema";
import { asSubgraphModule } from "./subgraph-module";

const entry: SubgraphEntry = { name: "demo", package: "@concord/demo", port: 4999, database: "demo", main: "subgraphs/demo/src/main.ts" };
const complete = { start: async () => ({}), buildSchema: async () => ({}), migrations: [] };

describe("asSubgraphModule", () => {
  it("accepts a package exporting start, buildSchema and migrations, with or without seedDemo", () => {
    expect(asSubgraphModule(entry, complete)).toBe(complete);
    const seeded = { ...complete, seedDemo: async () => ({}) };
    expect(asSubgraphModule(entry, seeded)).toBe(seeded);
  });

  it("refuses a package that lacks an export, naming the subgraph and what is missing", () => {
    expect(() => asSubgraphModule(entry, { start: complete.start })).toThrow(
      "Subgraph demo (@concord/demo) does not export buildSchema(), migrations",
    );
    expect(() => asSubgraphModule(entry, { ...complete, seedDemo: "yes" })).toThrow(/seedDemo\(\)/);
  });
});
