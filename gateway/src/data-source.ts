import { GraphQLError } from "graphql";
import { RemoteGraphQLDataSource, type GraphQLDataSourceProcessOptions } from "@apollo/gateway";
import type { FetcherResponse } from "@apollo/utils.fetcher";
import { ERROR_CODES, isErrorCode } from "@concord/schema";
import { DIRECTORY_AFTER_HEADER, INTERNAL_TOKEN_HEADER, signInternalToken, type InternalSigningKey } from "@concord/service-kit";
import type { GatewayContext } from "./context";

/**
 * The one place where a request to a subgraph is dressed: a short-lived internal token signed
 * by the gateway for this one subgraph (`aud` is its name) carries the verified principal and
 * the gateway's own request id (subgraphs trust nothing else: they log and audit under that
 * id). The `x-request-id` header repeats the id for the subgraph's HTTP-level logs only.
 */
export class SubgraphDataSource extends RemoteGraphQLDataSource<GatewayContext> {
  constructor(
    config: ConstructorParameters<typeof RemoteGraphQLDataSource<GatewayContext>>[0],
    /** The subgraph's name in the supergraph: the tokens' audience. */
    private readonly subgraph: string,
    private readonly signingKey: InternalSigningKey,
  ) {
    super(config);
  }

  override async willSendRequest({ request, context }: GraphQLDataSourceProcessOptions<GatewayContext>): Promise<void> {
    if (context?.requestId) request.http?.headers.set("x-request-id", context.requestId);
    if (context?.principal) {
      request.http?.headers.set(INTERNAL_TOKEN_HEADER, await signInternalToken(context.principal, this.signingKey, this.subgraph, { requestId: context.requestId }));
    }
    if (context?.directoryAfter) request.http?.headers.set(DIRECTORY_AFTER_HEADER, context.directoryAfter);
  }

  /**
   * A subgraph answers bad input (a variable it cannot coerce, a literal that fails its scalar)
   * with HTTP 400 and a coded GraphQL error. The stock data source turns every non-2xx into a
   * code-less "400: Bad Request"; pass the subgraph's public code and message on instead, and
   * never the subgraph's URL or raw body.
   */
  override async errorFromResponse(response: FetcherResponse): Promise<GraphQLError> {
    let first: { message?: unknown; extensions?: { code?: unknown } } | undefined;
    try {
      const body = (await response.json()) as { errors?: Array<typeof first> };
      first = body.errors?.[0];
    } catch {
      first = undefined;
    }
    const code = first?.extensions?.code;
    if (isErrorCode(code) && code !== ERROR_CODES.INTERNAL_SERVER_ERROR && typeof first?.message === "string") {
      return new GraphQLError(first.message, { extensions: { code } });
    }
    return new GraphQLError(`Subgraph answered HTTP ${response.status}`, {
      extensions: { code: ERROR_CODES.INTERNAL_SERVER_ERROR },
    });
  }
}
