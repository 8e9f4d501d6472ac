import { readFileSync } from "node:fs";
import { ApolloGateway } from "@apollo/gateway";
import { createLogger, startGraphQLServer, type Logger, type RunningServer } from "@concord/service-kit";
import { SubgraphDataSource } from "./data-source";
import type { GatewayContext } from "./context";
import { bearer, unauthenticated, verifyCaller, type CallerVerification } from "./auth/principal";

export { verifyCaller, CALLER_ALGORITHMS, type CallerVerification } from "./auth/principal";
export { remoteJwks, fileJwks } from "./auth/jwks";
export { loadDevIssuer, type DevIssuer, type DevClaims } from "./auth/dev-issuer";

/** Options of {@link start}. */
export interface GatewayOptions {
  /** Path of the composed supergraph SDL to execute. */
  supergraphPath: string;
  /** How callers' JWTs are verified. */
  auth: CallerVerification;
  /** Secret the internal tokens to subgraphs are signed with. */
  internalSecret: string;
  /** @default 0 (a free port) */
  port?: number;
  /** @default "127.0.0.1" */
  host?: string;
  /** Subgraph URLs by name, overriding the URLs written in the supergraph. */
  subgraphUrls?: Record<string, string>;
  logger?: Logger;
  /** Serve the Apollo landing page (the explorer) on GET /graphql. @default true */
  landingPage?: boolean;
  /** The development issuer's public JWKS file, served at /.well-known/jwks.json. */
  devJwksPath?: string;
}

/**
 * Starts the gateway: Apollo Server 5 with @apollo/gateway executing the checked-in supergraph
 * (never introspecting subgraphs at run time) at /graphql, with GET /health. Every operation
 * needs a valid caller JWT; without one nothing is resolved.
 */
export async function start(opts: GatewayOptions): Promise<RunningServer<GatewayContext>> {
  const logger = opts.logger ?? createLogger("gateway");
  const supergraphSdl = readFileSync(opts.supergraphPath, "utf8");
  const gateway = new ApolloGateway({
    supergraphSdl,
    buildService: ({ name, url }) => new SubgraphDataSource({ url: opts.subgraphUrls?.[name] ?? url }, opts.internalSecret),
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
    routes: opts.devJwksPath ? { "/.well-known/jwks.json": () => JSON.parse(readFileSync(opts.devJwksPath!, "utf8")) } : {},
    context: async ({ req, requestId, logger: log }) => {
      const token = bearer(req.headers.authorization);
      if (!token) throw unauthenticated("Send a bearer token in the Authorization header");
      const principal = await verifyCaller(token, opts.auth);
      return { requestId, logger: log.child({ principal: principal.sub, role: principal.role }), principal };
    },
  });
}
