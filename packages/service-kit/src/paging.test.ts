import { describe, expect, it } from "vitest";
import { parse, printSchema } from "graphql";
import { printSubgraphSchema } from "@apollo/subgraph";
import { composeServices } from "@apollo/composition";
import { Args, Field, ID, ObjectType, Query, Resolver } from "type-graphql";
import { Policy, PUBLIC, fieldsWithoutPolicy } from "./access/policy";
import { encodeCursor } from "./cursor";
import { ConcordError } from "./errors";
import { buildFederatedSchema } from "./federation";
import { connectionType, idKey, isIdKey, keysetPage, PageArgs, pageInfoType, pageRequest, PageInfo } from "./paging";

const ID_A = "01900000-0000-7000-8000-000000000001";

function refusal(fn: () => unknown): { code: unknown; field: unknown; message: string } {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ConcordError);
    const err = e as ConcordError;
    return { code: err.extensions.code, field: err.extensions.field, message: err.message };
  }
  throw new Error("expected a refusal");
}

describe("pageRequest", () => {
  it("defaults first to 20 and has no key on the first page", () => {
    expect(pageRequest({}, isIdKey)).toEqual({ first: 20, after: null });
    expect(pageRequest({ first: null, after: "" }, isIdKey)).toEqual({ first: 20, after: null });
  });

  it("takes 1 to 500 and decodes the cursor's key", () => {
    expect(pageRequest({ first: 1 }, isIdKey).first).toBe(1);
    expect(pageRequest({ first: 500, after: encodeCursor({ id: ID_A }) }, isIdKey)).toEqual({ first: 500, after: { id: ID_A } });
  });

  it("refuses a first out of bounds or not an integer, naming the argument", () => {
    for (const first of [0, -1, 501, 1.5]) {
      expect(refusal(() => pageRequest({ first }, isIdKey))).toEqual({ code: "BAD_USER_INPUT", field: "first", message: "first must be between 1 and 500" });
    }
  });

  it("follows other bounds when given", () => {
    expect(pageRequest({}, isIdKey, { defaultSize: 50 }).first).toBe(50);
    expect(refusal(() => pageRequest({ first: 11 }, isIdKey, { maxSize: 10 })).message).toBe("first must be between 1 and 10");
  });

  it("refuses a cursor that is not one of this list's keys", () => {
    for (const after of ["not base64!", encodeCursor({ id: "42" }), encodeCursor({ id: ID_A, extra: 1 }), encodeCursor({ seq: 3 })]) {
      expect(refusal(() => pageRequest({ after }, isIdKey))).toEqual({ code: "BAD_USER_INPUT", field: "after", message: "Malformed cursor" });
    }
  });
});

describe("keysetPage", () => {
  const rows = [1, 2, 3].map((n) => ({ id: `id-${n}`, n }));

  it("keeps first rows and says there is a next page when the extra row came", () => {
    const page = keysetPage(rows, 2, (r) => ({ id: r.id, doubled: r.n * 2 }), idKey);
    expect(page.edges.map((e) => e.node.doubled)).toEqual([2, 4]);
    expect(page.edges.map((e) => e.cursor)).toEqual([encodeCursor({ id: "id-1" }), encodeCursor({ id: "id-2" })]);
    expect(page.pageInfo).toEqual({ hasNextPage: true, endCursor: encodeCursor({ id: "id-2" }) });
  });

  it("ends the list when no extra row came", () => {
    expect(keysetPage(rows, 3, (r) => r, idKey).pageInfo).toEqual({ hasNextPage: false, endCursor: encodeCursor({ id: "id-3" }) });
    expect(keysetPage([], 3, (r) => r, idKey)).toEqual({ edges: [], pageInfo: { hasNextPage: false, endCursor: null } });
  });
});

@ObjectType("PagingTestItem")
class Item {
  @Policy(PUBLIC, "PagingTestItem")
  @Field(() => ID)
  id: string;
}

const ItemConnection = connectionType(Item, { name: "PagingTestItemConnection", description: "A page of items." });
const OldConnection = connectionType(Item, { name: "PagingTestOldConnection", pageInfo: pageInfoType("PagingTestOldPageInfo") });

@Resolver()
class ItemResolver {
  @Policy(PUBLIC, "Query")
  @Query(() => ItemConnection)
  items(@Args(() => PageArgs) args: PageArgs): InstanceType<typeof ItemConnection> {
    const page = pageRequest(args, isIdKey);
    return Object.assign(new ItemConnection(), keysetPage([{ id: ID_A }], page.first, (r) => r, idKey));
  }

  @Policy(PUBLIC, "Query")
  @Query(() => OldConnection)
  oldItems(): InstanceType<typeof OldConnection> {
    return Object.assign(new OldConnection(), keysetPage([], 1, (r: { id: string }) => r, idKey));
  }
}

describe("connectionType", () => {
  it("declares the connection, its edge and the page info, every field with a policy", async () => {
    const schema = await buildFederatedSchema({ resolvers: [ItemResolver] });
    const sdl = printSchema(schema);
    expect(sdl).toContain(`"""A page of items."""\ntype PagingTestItemConnection {\n  edges: [PagingTestItemEdge!]!\n  pageInfo: PageInfo!\n}`);
    expect(sdl).toContain("type PagingTestItemEdge {\n  cursor: String!\n  node: PagingTestItem!\n}");
    expect(sdl).toContain("type PageInfo {\n  hasNextPage: Boolean!\n  endCursor: String\n}");
    expect(sdl).toContain("type PagingTestOldPageInfo {\n  hasNextPage: Boolean!\n  endCursor: String\n}");
    expect(sdl).toContain('items(\n    """endCursor of the previous page."""\n    after: String\n\n    """Page size, 1 to 500. Default 20."""\n    first: Int\n  ): PagingTestItemConnection!');
    expect(fieldsWithoutPolicy(schema)).toEqual([]);
  });

  it("wants a name ending in Connection, to name the edge after it", () => {
    expect(() => connectionType(Item, { name: "PagingTestItems" })).toThrow(/Connection/);
  });
});

describe("PageInfo", () => {
  it("is shareable, so two subgraphs that both page compose", async () => {
    @ObjectType("PagingTestOther")
    class Other {
      @Policy(PUBLIC, "PagingTestOther")
      @Field(() => ID)
      id: string;
    }
    const OtherConnection = connectionType(Other, { name: "PagingTestOtherConnection" });
    @Resolver()
    class OtherResolver {
      @Policy(PUBLIC, "Query")
      @Query(() => OtherConnection)
      others(): InstanceType<typeof OtherConnection> {
        return new OtherConnection();
      }
    }
    const services = [];
    for (const [name, resolvers] of [["one", [ItemResolver]], ["two", [OtherResolver]]] as const) {
      const sdl = printSubgraphSchema(await buildFederatedSchema({ resolvers: [...resolvers] as [Function, ...Function[]] }));
      expect(sdl).toMatch(/type PageInfo\s+@shareable/);
      services.push({ name, url: `http://${name}.invalid/graphql`, typeDefs: parse(sdl) });
    }
    const result = composeServices(services);
    expect(result.errors?.map((e) => e.message)).toBeUndefined();
    expect(result.supergraphSdl).toMatch(/type PageInfo\s+@join__type\(graph: ONE\)\s+@join__type\(graph: TWO\)/);
  });

  it("is the class the connections use by default", () => {
    expect(new PageInfo()).toBeInstanceOf(PageInfo);
  });
});
