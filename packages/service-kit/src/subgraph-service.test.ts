import "reflect-metadata";
import { describe, expect, it } from "vitest";
import { createLocalJWKSet } from "jose";
import { Field, ID, ObjectType, Query, Resolver } from "type-graphql";
import { PUBLIC, Policy } from "./access/policy";
import { NeedsScope } from "./access/scopes";
import { buildFederatedSchema } from "./federation";
import { createLogger } from "./logger";
import { startSubgraph } from "./subgraph-service";

/** A fixture subgraph: one field with a policy, and one someone forgot to give one. */
@ObjectType()
class FixtureThing {
  @Policy(PUBLIC)
  @Field(() => ID)
  id: string;

  @Field(() => String, { description: "Declared without a policy." })
  secret: string;
}

@Resolver()
class FixtureResolver {
  @Policy(PUBLIC, "Query")
  @Query(() => FixtureThing, { nullable: true })
  fixtureThing(): FixtureThing | null {
    return null;
  }

  @Query(() => String, { nullable: true })
  fixtureUnpoliced(): string | null {
    return null;
  }
}

/** A fixture whose fields all have policies, with a list nobody said how to filter. */
@ObjectType()
class FixtureRow {
  @Policy(PUBLIC)
  @Field(() => ID)
  id: string;
}

@Resolver()
class FixtureListResolver {
  @NeedsScope("cases:read")
  @Policy(PUBLIC, "Query")
  @Query(() => [FixtureRow])
  fixtureRows(): FixtureRow[] {
    return [];
  }
}

describe("startSubgraph", () => {
  it("refuses to start a subgraph with a list that has no row rule", async () => {
    const start = startSubgraph(
      { name: "fixture", migrations: [], buildSchema: () => buildFederatedSchema({ resolvers: [FixtureListResolver] }), createContext: (base) => base },
      { databaseUrl: "postgresql://nobody@127.0.0.1:1/none", gatewayKeys: createLocalJWKSet({ keys: [] }), logger: createLogger("test").child({}, { level: "silent" }) },
    );
    await expect(start).rejects.toThrow(/declares no row rule for the lists Query\.fixtureRows/);
  });

  it("refuses to start a subgraph with a field that has no policy, naming every such field, before touching a database", async () => {
    const start = startSubgraph(
      {
        name: "fixture",
        migrations: [],
        buildSchema: () => buildFederatedSchema({ resolvers: [FixtureResolver], orphanedTypes: [FixtureThing] }),
        createContext: (base) => base,
      },
      // Nothing listens there: the refusal must come before any connection is tried.
      { databaseUrl: "postgresql://nobody@127.0.0.1:1/none", gatewayKeys: createLocalJWKSet({ keys: [] }), logger: createLogger("test").child({}, { level: "silent" }) },
    );
    await expect(start).rejects.toThrow(/The fixture subgraph declares no policy for FixtureThing\.secret, Query\.fixtureUnpoliced: add @Policy/);
  });
});
