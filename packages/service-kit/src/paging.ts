import { ArgsType, Directive, Field, Int, ObjectType, type ClassType } from "type-graphql";
import { Policy, PUBLIC, Rows } from "./access/policy";
import { decodeCursor, encodeCursor } from "./cursor";
import { badInput } from "./errors";
import { isUuid } from "./ids";

/**
 * Keyset pagination, written once for every subgraph: the page info and connection types, the
 * `first`/`after` arguments and their checks, and the step from the rows of one page to its edges.
 */

/** Page size when the caller gives no `first`. */
export const DEFAULT_PAGE_SIZE = 20;
/** Most items one page may hold. */
export const MAX_PAGE_SIZE = 500;

/** Where a page stands in its list. */
export interface PageInfo {
  hasNextPage: boolean;
  /** The last edge's cursor, to pass as `after` for the next page; null on an empty page. */
  endCursor: string | null;
}

/** One item of a page and the cursor that points just past it. */
export interface Edge<N> {
  cursor: string;
  node: N;
}

/** One page of a list, as a connection's fields hold it. */
export interface Page<N> {
  edges: Edge<N>[];
  pageInfo: PageInfo;
}

/**
 * A page-info object type named `name`. Use {@link PageInfo}; this is for a type kept under an
 * older published name (agencies' `PlacementPageInfo`), so that clients naming it in fragments
 * keep working, with the same fields and policies.
 */
export function pageInfoType(name: string): ClassType<PageInfo> {
  @ObjectType(name)
  class PageInfoType implements PageInfo {
    @Policy(PUBLIC, name)
    @Field(() => Boolean)
    hasNextPage: boolean;

    @Policy(PUBLIC, name)
    @Field(() => String, { nullable: true })
    endCursor: string | null;
  }
  return PageInfoType;
}

/**
 * `PageInfo`, shareable: every subgraph that paginates declares the same type, so the
 * supergraph composes however many of them define it.
 */
export const PageInfo = pageInfoType("PageInfo");
Directive("@shareable")(PageInfo);

export interface ConnectionOptions {
  /** The connection type's name, ending in `Connection`; its edge type is named with `Edge` instead. */
  name: string;
  description?: string;
  /**
   * The type of `pageInfo`.
   * @default PageInfo
   */
  pageInfo?: ClassType<PageInfo>;
}

/**
 * A connection object type (`edges { cursor node }`, `pageInfo`) and its edge type for `Node`.
 * `Extra` types what a resolver keeps on the connection for its own field resolvers (a filter
 * to count with, say); it is not part of the schema.
 */
export function connectionType<N extends object, Extra extends object = Record<never, never>>(
  Node: ClassType<N>,
  options: ConnectionOptions,
): new () => Page<N> & Partial<Extra> {
  const { name } = options;
  if (!name.endsWith("Connection")) throw new Error(`Connection type ${name} must be named ...Connection`);
  const edgeName = name.replace(/Connection$/, "Edge");

  @ObjectType(edgeName)
  class EdgeType implements Edge<N> {
    @Policy(PUBLIC, edgeName)
    @Field(() => String)
    cursor: string;

    @Policy(PUBLIC, edgeName)
    @Field(() => Node)
    node: N;
  }

  @ObjectType(name, { description: options.description })
  class ConnectionType implements Page<N> {
    @Policy(PUBLIC, name)
    // A keyset page cannot be filtered after it is cut: the connection's field selects the rows.
    @Rows({ selectedBy: "the keyset query of the field that returns the connection, which selects only the caller's rows" }, name)
    @Field(() => [EdgeType])
    edges: Edge<N>[];

    @Policy(PUBLIC, name)
    @Field(() => options.pageInfo ?? PageInfo)
    pageInfo: PageInfo;
  }
  return ConnectionType as new () => Page<N> & Partial<Extra>;
}

/**
 * The `first`/`after` arguments of a list that pages {@link DEFAULT_PAGE_SIZE} at a time; check
 * them with {@link pageRequest}. (`after` comes first so the published SDL keeps its order.)
 */
@ArgsType()
export class PageArgs {
  @Field(() => String, { nullable: true, description: "endCursor of the previous page." })
  after?: string | null;

  @Field(() => Int, { nullable: true, description: `Page size, 1 to ${MAX_PAGE_SIZE}. Default ${DEFAULT_PAGE_SIZE}.` })
  first?: number | null;
}

/** A checked page request: its size and the decoded key the page starts after. */
export interface PageRequest<K> {
  first: number;
  /** Null for the first page. */
  after: K | null;
}

export interface PageBounds {
  /** @default DEFAULT_PAGE_SIZE */
  defaultSize?: number;
  /** @default MAX_PAGE_SIZE */
  maxSize?: number;
}

type Key = Record<string, string | number>;

/**
 * Checks `first` (an integer from 1 to the bound) and decodes `after` with `isKey`; either
 * wrong is BAD_USER_INPUT naming the argument, before any statement runs.
 */
export function pageRequest<K extends Key>(
  args: { first?: number | null; after?: string | null },
  isKey: (value: Record<string, unknown>) => value is K,
  bounds: PageBounds = {},
): PageRequest<K> {
  const { defaultSize = DEFAULT_PAGE_SIZE, maxSize = MAX_PAGE_SIZE } = bounds;
  const first = args.first ?? defaultSize;
  if (!Number.isInteger(first) || first < 1 || first > maxSize) throw badInput(`first must be between 1 and ${maxSize}`, "first");
  return { first, after: args.after ? decodeCursor(args.after, isKey) : null };
}

/** The key of a list in id order (UUIDv7, so creation order): `{ id }` and nothing else. */
export const isIdKey = (v: Record<string, unknown>): v is { id: string } =>
  typeof v.id === "string" && isUuid(v.id) && Object.keys(v).length === 1;

/**
 * One page from the rows of a keyset query that asked for `first + 1`: the extra row, if it
 * came, only says there is a next page. `key` gives the keyset position of a node, which its
 * cursor encodes.
 */
export function keysetPage<R, N>(rows: readonly R[], first: number, node: (row: R) => N, key: (node: N) => Key): Page<N> {
  const edges = rows.slice(0, first).map((r) => {
    const n = node(r);
    return { cursor: encodeCursor(key(n)), node: n };
  });
  return { edges, pageInfo: { hasNextPage: rows.length > first, endCursor: edges.at(-1)?.cursor ?? null } };
}

/** The position of a node in id order, for {@link keysetPage}. */
export const idKey = (n: { id: string }): { id: string } => ({ id: n.id });
