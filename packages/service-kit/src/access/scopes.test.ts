import "reflect-metadata";
import { describe, expect, it } from "vitest";
import { graphql, type GraphQLSchema } from "graphql";
import { buildSchema, Mutation, Query, Resolver } from "type-graphql";
import { roleScopes, type Principal, type ScopeName } from "@concord/schema";
import { buildFederatedSchema } from "../federation";
import { RequestAudit } from "./audit-sink";
import { definePolicies, NEVER, Policy, value, type AccessContext } from "./policy";
import { assertScopesDeclared, declaredScopes, fieldsWithoutScope, NeedsScope } from "./scopes";

const T = definePolicies({
  scopeTestOpen: { description: "test", rules: { lender: value("anyone"), agency: value("anyone"), borrower: value("anyone"), auditor: value("anyone") } },
  scopeTestLenderNever: { description: "test", rules: { lender: NEVER, agency: value("anyone"), borrower: value("anyone"), auditor: value("anyone") } },
});

const ran: string[] = [];

@Resolver()
class ScopeTestResolver {
  @NeedsScope("cases:read")
  @Policy(T.scopeTestOpen, "Query")
  @Query(() => Boolean, { nullable: true })
  scopeTestRead(): boolean {
    ran.push("scopeTestRead");
    return true;
  }

  @NeedsScope("payments:write")
  @Policy(T.scopeTestOpen, "Mutation")
  @Mutation(() => Boolean, { nullable: true })
  scopeTestPay(): boolean {
    ran.push("scopeTestPay");
    return true;
  }

  // Written below the policy: the policy then runs first and must not record the refusal again.
  @Policy(T.scopeTestOpen, "Mutation")
  @NeedsScope("placements:write")
  @Mutation(() => Boolean, { nullable: true })
  scopeTestPlace(): boolean {
    ran.push("scopeTestPlace");
    return true;
  }

  @NeedsScope("audit:read")
  @Policy(T.scopeTestLenderNever, "Query")
  @Query(() => Boolean, { nullable: true })
  scopeTestAudit(): boolean {
    return true;
  }
}

@Resolver()
class UnscopedResolver {
  @Policy(T.scopeTestOpen, "Query")
  @Query(() => Boolean, { nullable: true })
  unscopedRead(): boolean {
    return true;
  }

  @Policy(T.scopeTestOpen, "Mutation")
  @Mutation(() => Boolean, { nullable: true })
  unscopedWrite(): boolean {
    return true;
  }
}

let schema: GraphQLSchema | undefined;
const lender = (scope: ScopeName[]): Principal => ({ sub: "l", role: "lender", lenderId: "L1", scope });

async function run(source: string, principal: Principal) {
  schema ??= await buildSchema({ resolvers: [ScopeTestResolver], validate: false });
  const audit = new RequestAudit();
  const contextValue: AccessContext = {
    principal,
    access: {
      agencyHoldsAny: async () => false,
      visitWindowOpen: async () => false,
      recordForbidden: (e) => audit.forbidden(e),
      recordReveal: (e) => audit.reveal(e),
    },
  };
  ran.length = 0;
  const result = await graphql({ schema, source, contextValue });
  return { result, rows: audit.drain(), ran: [...ran] };
}

describe("@NeedsScope", () => {
  it("runs the operation for a caller whose token grants its scope", async () => {
    const r = await run("mutation { scopeTestPay }", lender(["payments:write"]));
    expect(r.result.errors).toBeUndefined();
    expect(r.ran).toEqual(["scopeTestPay"]);
    expect(r.rows).toEqual([]);
  });

  it("refuses a caller without it before the resolver runs, naming the scope, and records the refusal once", async () => {
    for (const [op, scope] of [["scopeTestPay", "payments:write"], ["scopeTestPlace", "placements:write"]] as const) {
      const r = await run(`mutation { ${op} }`, lender(["cases:read"]));
      expect(r.ran).toEqual([]);
      expect(r.result.data?.[op]).toBeNull();
      expect(r.result.errors?.map((e) => e.extensions)).toEqual([{ code: "FORBIDDEN", scope }]);
      expect(r.result.errors?.[0]?.message).toBe(`Mutation.${op} needs the scope ${scope}, which your token does not grant`);
      expect(r.rows).toEqual([
        { action: "FORBIDDEN", type: "Mutation", field: op, objectId: null, path: op, detail: { count: 1, objectIds: [] } },
      ]);
    }
  });

  it("is checked before the policy when written above it, so the caller learns the scope it lacks", async () => {
    const r = await run("{ scopeTestAudit }", lender(roleScopes("lender")));
    expect(r.result.errors?.map((e) => e.extensions)).toEqual([{ code: "FORBIDDEN", scope: "audit:read" }]);
    expect(r.rows).toHaveLength(1);
  });

  it("refuses a scope the caller's role may not hold even when its principal claims it", async () => {
    const agency: Principal = { sub: "a", role: "agency", agencyId: "A1", scope: ["payments:write" as ScopeName] };
    const r = await run("mutation { scopeTestPay }", agency);
    expect(r.ran).toEqual([]);
    expect(r.result.errors?.[0]?.extensions).toMatchObject({ code: "FORBIDDEN", scope: "payments:write" });
  });

  it("checks queries too: a token narrowed to writes reads nothing", async () => {
    const r = await run("{ scopeTestRead }", lender(["payments:write"]));
    expect(r.result.errors?.[0]?.extensions).toMatchObject({ code: "FORBIDDEN", scope: "cases:read" });
    expect((await run("{ scopeTestRead }", lender(roleScopes("lender")))).ran).toEqual(["scopeTestRead"]);
  });

  it("is declared with the type its field belongs to", () => {
    expect(declaredScopes()).toEqual(
      expect.arrayContaining([
        { type: "Query", field: "scopeTestRead", scope: "cases:read" },
        { type: "Mutation", field: "scopeTestPay", scope: "payments:write" },
        { type: "Mutation", field: "scopeTestPlace", scope: "placements:write" },
        { type: "Query", field: "scopeTestAudit", scope: "audit:read" },
      ]),
    );
  });

  it("refuses an unknown scope, and a decorator that cannot tell its field's type", () => {
    expect(() => NeedsScope("payments:steal" as ScopeName)).toThrow(/Unknown scope payments:steal/);
    expect(() => {
      class Misplaced {
        @Mutation(() => Boolean)
        @NeedsScope("payments:write")
        misplaced(): boolean {
          return true;
        }
      }
      return Misplaced;
    }).toThrow(/above @Query or @Mutation/);
  });
});

describe("fieldsWithoutScope", () => {
  it("lists the root queries and mutations without a scope, never federation's plumbing", async () => {
    const federated = await buildFederatedSchema({ resolvers: [ScopeTestResolver, UnscopedResolver] });
    expect(Object.keys(federated.getQueryType()!.getFields())).toEqual(expect.arrayContaining(["_service"]));
    expect(fieldsWithoutScope(federated)).toEqual(["Query.unscopedRead", "Mutation.unscopedWrite"]);
    expect(() => assertScopesDeclared("fixture", federated)).toThrow(
      "Subgraph fixture declares no scope (@NeedsScope) for Query.unscopedRead, Mutation.unscopedWrite; see schema/src/scopes.ts",
    );
  });

  it("passes a schema whose every operation has a scope", async () => {
    const scoped = await buildFederatedSchema({ resolvers: [ScopeTestResolver] });
    expect(fieldsWithoutScope(scoped)).toEqual([]);
    expect(() => assertScopesDeclared("fixture", scoped)).not.toThrow();
  });
});
