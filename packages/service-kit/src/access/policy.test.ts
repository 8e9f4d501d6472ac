import "reflect-metadata";
import { describe, expect, it } from "vitest";
import { graphql, type GraphQLSchema } from "graphql";
import { buildSchema, Ctx, Field, ID, Mutation, ObjectType, Query, Resolver } from "type-graphql";
import type { Principal } from "@concord/schema";
import { ConcordError } from "../errors";
import { RequestAudit } from "./audit-sink";
import { definePolicies, forbidden, masked, maskPhone, NEVER, Policy, refusing, Scope, value, visibleOrForbidden, type AccessContext } from "./policy";

const T = definePolicies({
  testOpen: { description: "test", rules: { lender: value("anyone"), agency: value("anyone"), borrower: value("anyone"), auditor: value("anyone") } },
  testProfile: { description: "test", rules: { lender: value("ownLender"), agency: value("activePlacement"), borrower: NEVER, auditor: NEVER } },
  testPhone: { description: "test", rules: { lender: value("ownLender"), agency: masked("activePlacement", maskPhone), borrower: NEVER, auditor: NEVER } },
  testAddress: { description: "test", rules: { lender: value("ownLender"), agency: value("homeVisitWindow", { reveal: true }), borrower: NEVER, auditor: NEVER } },
});

@Scope<TestPerson>((p) => ({ lenderId: "L1", caseIds: async () => [p.id] }))
@ObjectType()
class TestPerson {
  @Policy(T.testOpen)
  @Field(() => ID)
  id: string;

  @Policy(T.testProfile)
  @Field(() => String, { nullable: true })
  name: string;

  @Policy(T.testPhone)
  @Field(() => String, { nullable: true })
  phone: string;

  @Policy(T.testAddress)
  @Field(() => String, { nullable: true })
  address: string | null;
}

const people = Array.from({ length: 50 }, (_, i) =>
  Object.assign(new TestPerson(), { id: `p${i}`, name: `Name ${i}`, phone: "+8613800001234", address: i % 2 ? `Street ${i}` : null }),
);

type TestContext = AccessContext & { audit: RequestAudit };

@Resolver()
class TestResolver {
  @Policy(T.testOpen, "Query")
  @Query(() => [TestPerson], { nullable: true })
  people(): TestPerson[] {
    return people;
  }

  @Policy(T.testOpen, "Query")
  @Query(() => TestPerson, { nullable: true })
  person(@Ctx() ctx: TestContext): Promise<TestPerson> {
    return visibleOrForbidden(ctx, T.testProfile, "TestPerson", people[0]!, "person");
  }

  @Policy(T.testOpen, "Mutation")
  @Mutation(() => Boolean, { nullable: true })
  act(): boolean {
    throw forbidden("p7", "p7");
  }

  @Policy(T.testOpen, "Mutation")
  @Mutation(() => Boolean, { nullable: true })
  actWithRule(): boolean {
    throw refusing(new ConcordError("FORBIDDEN", "a rule", { rule: "R" }), "p8");
  }
}

let schema: GraphQLSchema | undefined;
const run = async (source: string, principal: Principal, opts: { holds?: boolean; window?: boolean } = {}) => {
  schema ??= await buildSchema({ resolvers: [TestResolver], validate: false });
  const audit = new RequestAudit();
  const contextValue: TestContext = {
    principal,
    audit,
    access: {
      agencyHoldsAny: async () => opts.holds ?? false,
      visitWindowOpen: async () => opts.window ?? false,
      recordForbidden: (e) => audit.forbidden(e),
      recordReveal: (e) => audit.reveal(e),
    },
  };
  const result = await graphql({ schema, source, contextValue });
  return { result, rows: audit.drain() };
};

const agency: Principal = { sub: "a", role: "agency", agencyId: "A1", scope: [] };
const lender: Principal = { sub: "l", role: "lender", lenderId: "L1", scope: [] };
const auditor: Principal = { sub: "x", role: "auditor", scope: [] };

describe("policy checks and the audit", () => {
  it("counts a field refused on every object as one refusal of that (type, field)", async () => {
    const { result, rows } = await run("{ people { id name phone } }", auditor);
    expect(result.errors).toHaveLength(100);
    expect(rows).toEqual([
      expect.objectContaining({ action: "FORBIDDEN", type: "TestPerson", field: "name", objectId: "p0", path: "people.0.name", detail: { count: 50, objectIds: ["p0", "p1", "p2", "p3", "p4"] } }),
      expect.objectContaining({ action: "FORBIDDEN", type: "TestPerson", field: "phone", detail: expect.objectContaining({ count: 50 }) }),
    ]);
  });

  it("audits each address a reveal rule shows, and nothing for masked or ordinary values", async () => {
    const { result, rows } = await run("{ people { id name phone address } }", agency, { holds: true, window: true });
    expect(result.errors).toBeUndefined();
    expect((result.data!.people as any[])[1]).toEqual({ id: "p1", name: "Name 1", phone: "+86 ****1234", address: "Street 1" });
    // Only the 25 people with an address had one revealed; a null shows nothing.
    expect(rows).toHaveLength(25);
    expect(rows[0]).toEqual({ action: "PII_REVEAL", type: "TestPerson", field: "address", objectId: "p1", path: "people.1.address", detail: null });
    expect(new Set(rows.map((r) => r.objectId)).size).toBe(25);
  });

  it("does not audit the same value under a rule without `reveal` (the lender's own portfolio)", async () => {
    const { result, rows } = await run("{ people { address } }", lender);
    expect(result.errors).toBeUndefined();
    expect(rows).toEqual([]);
  });

  it("refuses the address outside the window, as one counted refusal", async () => {
    const { rows } = await run("{ people { address } }", agency, { holds: true, window: false });
    expect(rows).toEqual([expect.objectContaining({ action: "FORBIDDEN", field: "address", detail: expect.objectContaining({ count: 50 }) })]);
  });

  it("audits a FORBIDDEN thrown by a resolver once, naming the object it refused", async () => {
    const { result, rows } = await run("mutation { act actWithRule }", lender);
    expect(result.errors?.map((e) => e.extensions.code)).toEqual(["FORBIDDEN", "FORBIDDEN"]);
    expect(result.errors?.some((e) => JSON.stringify(e.toJSON()).includes("p8"))).toBe(false);
    expect(rows).toEqual([
      expect.objectContaining({ type: "Mutation", field: "act", objectId: "p7", path: "act", detail: { count: 1, objectIds: ["p7"] } }),
      expect.objectContaining({ type: "Mutation", field: "actWithRule", objectId: "p8" }),
    ]);
  });

  it("audits a refused root object once, under the object's type (visibleOrForbidden)", async () => {
    const { rows } = await run("{ person { id } }", auditor);
    expect(rows).toEqual([expect.objectContaining({ action: "FORBIDDEN", type: "TestPerson", field: "person", objectId: "p0" })]);
  });
});
