import { RemoteGraphQLDataSource, type GraphQLDataSourceProcessOptions } from "@apollo/gateway";
import type { GatewayContext } from "./context";

/**
 * The one place where a request to a subgraph is dressed: the caller's request id goes along
 * so that one id follows a request through every service's logs.
 */
export class SubgraphDataSource extends RemoteGraphQLDataSource<GatewayContext> {
  override willSendRequest({ request, context }: GraphQLDataSourceProcessOptions<GatewayContext>): void {
    if (context?.requestId) request.http?.headers.set("x-request-id", context.requestId);
  }
}
