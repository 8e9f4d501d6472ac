import "reflect-metadata";
import { describe, expect, it } from "vitest";
import { graphql, type GraphQLSchema } from "graphql";
import { Arg, buildSchema, Ctx, Field, ID, Mutation, ObjectType, Query, Resolver } from "type-graphql";
import type { Principal } from "@concord/schema";
import { ConcordError } from "../errors";
import { RequestAudit } from "./audit-sink";
import {
  definePolicies, forbidden, listsWithoutRowRule, masked, maskPhone, NEVER, Policy, refusedAsNotFound, refusing, Rows, Scope, value, visibleOrNotFound,
  type AccessContext,
} from "./policy";

const T = definePolicies({
  testOpen: { description: "test", rules: { lender: value("anyone"), agency: value("anyone"), borrower: value("anyone"), auditor: value("anyone") } },
  testProfile: { description: "test", rules: { lender: value("ownLender"), agency: value("activePlacement"), borrower: NEVER, auditor: NEVER } },
  testPhone: { description: "test", rules: { lender: value("ownLender"), agency: masked("activePlacement", maskPhone), borrower: NEVER, auditor: NEVER } },
  testAddress: { description: "test", rules: { lender: value("ownLender"), agency: value("homeVisitWindow", { reveal: true }), borrower: NEVER, auditor: NEVER } },
});

@Scope<TestPerson>("cases:read", (p) => ({ lenderId: "L1", caseIds: async () => [p.id] }))
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

type TestContext = AccessContext & { audit: RequestAudit; known?: boolean };

@Resolver()
class TestResolver {
  @Policy(T.testOpen, "Query")
  @Query(() => [TestPerson], { nullable: true })
  people(): TestPerson[] {
    return people;
  }

  @Policy(T.testOpen, "Query")
  @Rows(T.testProfile, "Query")
  @Query(() => [TestPerson], { nullable: true })
  visiblePeople(): TestPerson[] {
    return people;
  }

  @Policy(T.testOpen, "Query")
  @Query(() => TestPerson, { nullable: true })
  person(@Ctx() ctx: TestContext, @Arg("id", () => ID, { defaultValue: "p0" }) id: string): Promise<TestPerson> {
    const found = people.find((p) => p.id === id);
    return visibleOrNotFound(ctx, T.testProfile, "TestPerson", id, found, "person", { known: async () => ctx.known ?? false });
  }

  @Policy(T.testOpen, "Mutation")
  @Mutation(() => Boolean, { nullable: true })
  touch(@Arg("id", () => ID) id: string): boolean {
    throw refusedAsNotFound("TestPerson", id, "stored-" + id);
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
const run = async (source: string, principal: Principal, opts: { holds?: boolean; held?: string[]; window?: boolean; known?: boolean } = {}) => {
  schema ??= await buildSchema({ resolvers: [TestResolver], validate: false });
  const audit = new RequestAudit();
  const contextValue: TestContext = {
    principal,
    audit,
    known: opts.known,
    access: {
      agencyHoldsAny: async (caseIds) => opts.holds ?? caseIds.some((id) => opts.held?.includes(id) ?? false),
      visitWindowOpen: async () => opts.window ?? false,
      recordForbidden: (e) => audit.forbidden(e),
      recordReveal: (e) => audit.reveal(e),
    },
  };
  const result = await graphql({ schema, source, contextValue });
  return { result, rows: audit.drain() };
};

const agency: Principal = { sub: "a", role: "agency", agencyId: "A1", scope: ["cases:read"] };
const lender: Principal = { sub: "l", role: "lender", lenderId: "L1", scope: ["cases:read"] };
const auditor: Principal = { sub: "x", role: "auditor", scope: ["cases:read"] };

describe("policy checks and the audit", () => {
  it("reads no field of a type whose read scope the token lacks, naming the scope, wherever the type is reached", async () => {
    const { result, rows } = await run("{ people { id name } }", { ...lender, scope: ["payments:write"] });
    expect(result.data?.people ?? null).toBeNull();
    expect(new Set(result.errors?.map((e) => `${e.extensions?.code} ${e.extensions?.scope} ${e.message.replace(/TestPerson\.\w+/, "TestPerson.*")}`))).toEqual(
      new Set(["FORBIDDEN cases:read TestPerson.* needs the scope cases:read, which your token does not grant"]),
    );
    // One refusal row per (type, field), not per object.
    expect(rows.map((r) => `${r.type}.${r.field} ${(r.detail as { count: number }).count}`).sort()).toEqual(["TestPerson.id 50", "TestPerson.name 50"]);
  });

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

  it("audits a refused root object once, under the object's type (visibleOrNotFound)", async () => {
    const { rows } = await run("{ person { id } }", auditor);
    expect(rows).toEqual([expect.objectContaining({ action: "FORBIDDEN", type: "TestPerson", field: "person", objectId: "p0" })]);
  });
});

describe("root objects the caller may not know (visibleOrNotFound)", () => {
  const answer = async (id: string, principal: Principal, opts: { known?: boolean } = {}) => {
    const { result, rows } = await run(`{ person(id: "${id}") { id } }`, principal, opts);
    const shape = JSON.stringify({ data: result.data, errors: result.errors?.map((e) => e.toJSON()) }).replaceAll(id, "<id>");
    return { result, rows, shape };
  };

  it("answers someone else's object exactly as an id nothing has, and audits only the real one", async () => {
    const foreign = await answer("p3", agency);
    const unknown = await answer("nobody", agency);
    expect(foreign.result.errors?.map((e) => e.extensions.code)).toEqual(["NOT_FOUND"]);
    expect(foreign.shape).toBe(unknown.shape);
    expect(foreign.rows).toEqual([expect.objectContaining({ action: "FORBIDDEN", type: "TestPerson", field: "person", objectId: "p3" })]);
    expect(unknown.rows).toEqual([]);
  });

  it("shows the object to a caller who relates to it", async () => {
    const held = await run(`{ person(id: "p3") { id } }`, agency, { held: ["p3"] });
    expect(held.result.errors).toBeUndefined();
    expect(held.result.data).toEqual({ person: { id: "p3" } });
  });

  it("refuses with FORBIDDEN a caller who knows the object exists, and a role that never sees the type whatever the id", async () => {
    expect((await answer("p3", agency, { known: true })).result.errors?.map((e) => e.extensions.code)).toEqual(["FORBIDDEN"]);
    const real = await answer("p3", auditor);
    const none = await answer("nobody", auditor);
    expect(real.result.errors?.map((e) => e.extensions.code)).toEqual(["FORBIDDEN"]);
    expect(real.shape).toBe(none.shape);
  });

  it("audits a refusedAsNotFound thrown by a resolver, naming the stored object, and answers like an unknown id", async () => {
    const { result, rows } = await run(`mutation { touch(id: "p5") }`, lender);
    expect(result.errors?.map((e) => [e.extensions.code, e.message, e.extensions.id])).toEqual([["NOT_FOUND", "TestPerson p5 was not found", "p5"]]);
    expect(rows).toEqual([expect.objectContaining({ action: "FORBIDDEN", type: "Mutation", field: "touch", objectId: "stored-p5" })]);
  });
});

describe("list rows (Rows)", () => {
  it("keeps only the rows the caller may see, silently", async () => {
    const { result, rows } = await run("{ visiblePeople { id name } }", agency, { held: ["p2", "p7"] });
    expect(result.errors).toBeUndefined();
    expect(result.data).toEqual({ visiblePeople: [{ id: "p2", name: "Name 2" }, { id: "p7", name: "Name 7" }] });
    expect(rows).toEqual([]);
    expect(((await run("{ visiblePeople { id } }", lender)).result.data!.visiblePeople as unknown[]).length).toBe(50);
    expect((await run("{ visiblePeople { id } }", auditor)).result.data).toEqual({ visiblePeople: [] });
  });

  it("names every list of objects that declares no row rule", async () => {
    schema ??= await buildSchema({ resolvers: [TestResolver], validate: false });
    expect(listsWithoutRowRule(schema)).toEqual(["Query.people"]);
  });
});
