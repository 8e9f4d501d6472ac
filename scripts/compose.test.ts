import { describe, expect, it } from "vitest";
import { compose, staleFiles } from "./compose";

// Building every subgraph's schema and composing them takes seconds on a busy 2-core machine.
describe("schema contract", { timeout: 60_000 }, () => {
  it("composes without errors", async () => {
    const c = await compose();
    expect(c.errors).toEqual([]);
    expect(c.files["schema/supergraph.graphql"]).toContain("join__Graph");
  });

  it("matches the checked-in SDL files, docker-compose.yml and Dockerfile (run `npm run compose` when this fails)", async () => {
    expect(staleFiles(await compose())).toEqual([]);
  });
});
