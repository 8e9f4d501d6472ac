import { readFileSync } from "node:fs";
import { ApolloGateway } from "@apollo/gateway";
import { createLogger, startGraphQLServer, type Logger, type RunningServer } from "@concord/service-kit";
import { SubgraphDataSource } from "./data-source";
import type { GatewayContext } from "./context";

/** Options of {@link start}. */
export interface GatewayOptions {
  /** Path of the composed supergraph SDL to execute. */
  supergraphPath: string;
  /** @default 0 (a free port) */
  port?: number;
  /** @default "127.0.0.1" */
  host?: string;
  /** Subgraph URLs by name, overriding the URLs written in the supergraph. */
  subgraphUrls?: Record<string, string>;
  logger?: Logger;
  /** Serve the Apollo landing page (the explorer) on GET /graphql. @default true */
  landingPage?: boolean;
}

/**
 * Starts the gateway: Apollo Server 5 with @apollo/gateway executing the checked-in supergraph
 * (never introspecting subgraphs at run time) at /graphql, with GET /health.
 */
export async function start(opts: GatewayOptions): Promise<RunningServer<GatewayContext>> {
  const logger = opts.logger ?? createLogger("gateway");
  const supergraphSdl = readFileSync(opts.supergraphPath, "utf8");
  const gateway = new ApolloGateway({
    supergraphSdl,
    buildService: ({ name, url }) => new SubgraphDataSource({ url: opts.subgraphUrls?.[name] ?? url }),
    logger: {
      debug: (m) => logger.debug(m),
      info: (m) => logger.info(m),
      warn: (m) => logger.warn(m),
      error: (m) => logger.error(m),
    },
  });
  return startGraphQLServer<GatewayContext>({
    name: "gateway",
    apollo: { gateway },
    port: opts.port ?? 0,
    host: opts.host,
    logger,
    landingPage: opts.landingPage,
    context: async ({ requestId, logger: log }) => ({ requestId, logger: log }),
  });
}
