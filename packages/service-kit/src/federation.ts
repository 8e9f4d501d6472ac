import "reflect-metadata";
import { parse, type GraphQLSchema } from "graphql";
import { buildSubgraphSchema } from "@apollo/subgraph";
import { printSchemaWithDirectives } from "@graphql-tools/utils";
import { buildSchema, createResolversMap, type BuildSchemaOptions } from "type-graphql";
import { ERROR_CODES } from "@concord/schema";
import { ConcordError } from "./errors";

/** `__resolveReference` resolvers keyed by type name. */
export type ReferenceResolvers = Record<string, { __resolveReference: (ref: any, ctx: any, info: any) => unknown }>;

const FEDERATION_LINK = `extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key", "@shareable", "@external", "@requires", "@provides", "@inaccessible", "@tag", "@interfaceObject"])`;

/**
 * type-graphql classes -> SDL with directives -> an Apollo subgraph schema with
 * `__resolveReference` for every entity the subgraph owns.
 */
export async function buildFederatedSchema(
  options: Omit<BuildSchemaOptions, "skipCheck">,
  references: ReferenceResolvers = {},
): Promise<GraphQLSchema> {
  // Subscription fields only declare a shape here (see servedByGateway): no PubSub ever runs.
  const pubSub = { publish: () => undefined, subscribe: servedByGateway };
  const schema = await buildSchema({ ...options, skipCheck: true, validate: false, pubSub });
  const resolvers = createResolversMap(schema) as Record<string, Record<string, unknown>>;
  for (const [type, ref] of Object.entries(references)) {
    resolvers[type] = { ...(resolvers[type] ?? {}), ...ref };
  }
  return buildSubgraphSchema({
    typeDefs: parse(`${FEDERATION_LINK}\n${printSchemaWithDirectives(schema)}`),
    resolvers: resolvers as any,
  });
}

/**
 * The `subscribe` of every subgraph `Subscription` field. Subgraphs declare subscription fields so
 * that they compose into the supergraph; the gateway serves them over graphql-ws and resolves
 * each event through ordinary queries, so a subgraph never runs one itself.
 */
export function servedByGateway(): AsyncIterable<never> {
  throw new ConcordError(ERROR_CODES.BAD_REQUEST, "Subscriptions are served by the gateway over WebSocket (graphql-ws) at /graphql");
}
