import { readFileSync } from "node:fs";
import { randomUUID } from "node:crypto";
import { ApolloGateway } from "@apollo/gateway";
import type { ApolloServerPlugin } from "@apollo/server";
import { GraphQLError, type GraphQLSchema } from "graphql";
import { ERROR_CODES, SUBSCRIPTIONS, type EventEnvelope, type Principal } from "@concord/schema";
import {
  adoptScalars,
  checkOperationLimits,
  createLogger,
  DEFAULT_LIMITS,
  directoryMark,
  INTERNAL_JWKS_PATH,
  internalJwks,
  once,
  startGraphQLServer,
  type EventBus,
  type InternalSigningKey,
  type Logger,
  type OperationLimits,
  type RunningServer,
} from "@concord/service-kit";
import { SubgraphDataSource } from "./data-source";
import type { GatewayContext } from "./context";
import { bearer, unauthenticated, verifyCaller, type CallerVerification } from "./auth/principal";
import { SubscriptionHub } from "./subscriptions/hub";
import { declarationProblems, type Resolution } from "./subscriptions/plan";
import { serveSubscriptions } from "./subscriptions/ws";

export { verifyCaller, CALLER_ALGORITHMS, CALLER_TOKEN_MAX_LIFETIME_S, type CallerVerification } from "./auth/principal";
export { remoteJwks, fileJwks, DEFAULT_LIMITS, type OperationLimits } from "@concord/service-kit";
export { devScopeClaim, loadDevIssuer, type DevIssuer, type DevClaims } from "./auth/dev-issuer";

/** Options of {@link start}. */
export interface GatewayOptions {
  /** Path of the composed supergraph SDL to execute. */
  supergraphPath: string;
  /** How callers' JWTs are verified. */
  auth: CallerVerification;
  /**
   * The Ed25519 key internal tokens to subgraphs are signed with (each for the one subgraph it
   * goes to); its public half is served at INTERNAL_JWKS_PATH for the subgraphs.
   */
  internalSigningKey: InternalSigningKey;
  /** @default 0 (a free port) */
  port?: number;
  /** @default "127.0.0.1" */
  host?: string;
  /** Subgraph URLs by name, overriding the URLs written in the supergraph. */
  subgraphUrls?: Record<string, string>;
  logger?: Logger;
  /** Serve the Apollo landing page (the explorer) on GET /graphql. @default true */
  landingPage?: boolean;
  /** Answer introspection (`__schema`, `__type`); subscriptions are planned without it. @default false */
  introspection?: boolean;
  /** The development issuer's public JWKS file, served at /.well-known/jwks.json. */
  devJwksPath?: string;
  /**
   * Tell callers which subgraph an error came from (`extensions.serviceName`, which
   * @apollo/gateway adds to every error a subgraph answers with). Off in production: callers
   * have no business learning the names of internal services.
   * @default true
   */
  serviceNamesInErrors?: boolean;
  /**
   * Browser origins allowed to call /graphql (CORS): exact origins, or `["*"]` for any (not
   * recommended). A preflight from one of them is answered 204 with the Access-Control-* headers;
   * other origins get no CORS headers, so their browsers refuse them.
   * @default [] (no origin)
   */
  corsOrigins?: readonly string[];
  /** What one operation may ask for (HTTP and WebSocket). @default DEFAULT_LIMITS */
  limits?: OperationLimits;
  /**
   * The event bus that feeds subscriptions (graphql-ws on /graphql). Without it the gateway
   * serves queries and mutations only, and refuses subscriptions with a clear error.
   */
  bus?: EventBus;
  subscriptions?: {
    /** How far back `after:` may reach. @default 24 hours */
    replayWindowMs?: number;
    /** Payloads one subscriber may have waiting before it is closed as too slow. @default 256 */
    queueLimit?: number;
  };
}

/** The running gateway; `subscribers` counts open subscriptions. */
export interface RunningGateway extends RunningServer<GatewayContext> {
  subscribers(): number;
}

/**
 * Starts the gateway: Apollo Server 5 with @apollo/gateway executing the checked-in supergraph
 * (never introspecting subgraphs at run time) at /graphql, with GET /health. Every operation
 * needs a valid caller JWT; without one nothing is resolved.
 */
export async function start(opts: GatewayOptions): Promise<RunningGateway> {
  const logger = opts.logger ?? createLogger("gateway");
  const supergraphSdl = readFileSync(opts.supergraphPath, "utf8");
  // @apollo/gateway sends usage metrics to Apollo's servers unless told not to, probing cloud
  // metadata endpoints (AWS, GCP, Azure) at start to describe the host. A hub of lenders'
  // borrower data sends nothing anywhere it was not configured to: off unless the operator
  // sets APOLLO_TELEMETRY_DISABLED=false.
  process.env.APOLLO_TELEMETRY_DISABLED ??= "true";
  const gateway = new ApolloGateway({
    supergraphSdl,
    buildService: ({ name, url }) => new SubgraphDataSource({ url: opts.subgraphUrls?.[name] ?? url }, name, opts.internalSigningKey),
    logger: {
      debug: (m) => logger.debug(m),
      info: (m) => logger.info(m),
      warn: (m) => logger.warn(m),
      error: (m) => logger.error(m),
    },
  });
  // The supergraph's custom scalars accept anything until they are given the subgraphs' own
  // parsing: then a bad LocalDate or amount is refused before execution, with HTTP 400, like a
  // bad Int (and not by the subgraph, which the gateway would pass on with 200).
  const unparsed = new Set<string>();
  gateway.onSchemaLoadOrUpdate(({ apiSchema }) => {
    for (const name of adoptScalars(apiSchema)) unparsed.add(name);
  });
  const limits = opts.limits ?? DEFAULT_LIMITS;
  const server = await startGraphQLServer<GatewayContext>({
    name: "gateway",
    apollo: {
      gateway,
      introspection: opts.introspection ?? false,
      plugins: [operationRules(limits, !!opts.bus), ...(opts.serviceNamesInErrors === false ? [withoutServiceNames()] : [])],
    },
    port: opts.port ?? 0,
    host: opts.host,
    logger,
    landingPage: opts.landingPage,
    cors: opts.corsOrigins?.length ? { origins: opts.corsOrigins } : undefined,
    routes: {
      // Public keys only: the subgraphs' INTERNAL_JWKS_URL.
      [INTERNAL_JWKS_PATH]: () => internalJwks([opts.internalSigningKey]),
      ...(opts.devJwksPath ? { "/.well-known/jwks.json": () => JSON.parse(readFileSync(opts.devJwksPath!, "utf8")) } : {}),
    },
    context: async ({ req, requestId, logger: log }) => {
      const token = bearer(req.headers.authorization);
      if (!token) throw unauthenticated("Send a bearer token in the Authorization header");
      const principal = await verifyCaller(token, opts.auth);
      return { requestId, logger: log.child({ principal: principal.sub, role: principal.role }), principal };
    },
  });
  if (unparsed.size > 0) {
    await server.stop();
    throw new Error(`The supergraph declares scalars the gateway cannot parse: ${[...unparsed].join(", ")} (add them to SCALARS in packages/service-kit/src/scalars.ts)`);
  }
  if (!opts.bus) return { ...server, subscribers: () => 0 };

  // @apollo/gateway loaded the supergraph on start; its API schema is what clients see.
  const schema = (gateway as unknown as { schema?: GraphQLSchema }).schema;
  if (!schema) throw new Error("the gateway has no schema after start");
  const problems = declarationProblems(schema, SUBSCRIPTIONS);
  if (problems.length) throw new Error(`SUBSCRIPTIONS does not match the supergraph:\n${problems.join("\n")}`);
  const resolve = async (query: string, variables: Record<string, unknown>, principal: Principal, after?: EventEnvelope): Promise<Resolution> => {
    const requestId = randomUUID();
    const logged = logger.child({ requestId, principal: principal.sub, role: principal.role });
    const directoryAfter = after ? (directoryMark(after) ?? undefined) : undefined;
    const res = await server.apollo.executeOperation({ query, variables }, { contextValue: { requestId, principal, subscription: true, directoryAfter, logger: logged } });
    if (res.body.kind !== "single") throw new Error("a resolution answered incrementally");
    return res.body.singleResult as Resolution;
  };
  const hub = new SubscriptionHub({
    bus: opts.bus,
    logger: logger.child({ part: "subscriptions" }),
    replayWindowMs: opts.subscriptions?.replayWindowMs,
    // Each event is resolved by an ordinary query through this same gateway, with the subscriber's
    // principal (and who holds a case, by the lookup its declaration names).
    resolve,
  });
  await hub.start();
  const ws = serveSubscriptions({
    httpServer: server.httpServer,
    schema,
    hub,
    auth: opts.auth,
    limits,
    logger: logger.child({ part: "websocket" }),
    queueLimit: opts.subscriptions?.queueLimit,
  });
  return {
    ...server,
    subscribers: () => hub.size,
    stop: once(async () => {
      await ws.stop();
      await hub.stop();
      await server.stop();
    }),
  };
}

/**
 * Takes `extensions.serviceName` off every error sent, queries, mutations and the resolutions of
 * subscription events alike (they are executed through this same server).
 */
function withoutServiceNames(): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ response }) {
          const result = response.body.kind === "single" ? response.body.singleResult : undefined;
          if (!result?.errors) return;
          result.errors = result.errors.map((e) => {
            if (!e.extensions || !("serviceName" in e.extensions)) return e;
            const { serviceName: _internal, ...extensions } = e.extensions;
            return { ...e, extensions };
          });
        },
      };
    },
  };
}

/**
 * Refusals before anything is planned: an operation over a limit, and a subscription sent over
 * HTTP (the WebSocket serves those; @apollo/gateway would only fail on it internally).
 */
function operationRules(limits: OperationLimits, subscriptions: boolean): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ document, operation, contextValue }) {
          // A subscription's resolution query was built from an operation already held to the limits.
          const limited = contextValue.subscription ? null : checkOperationLimits(document, limits);
          if (limited) throw new GraphQLError(limited.message, { extensions: { ...limited.extensions, http: { status: 400 } } });
          if (operation?.operation === "subscription") {
            throw new GraphQLError(
              subscriptions
                ? "Subscriptions are served over WebSocket: connect to this same /graphql with graphql-ws (subprotocol graphql-transport-ws)"
                : "This gateway runs without an event bus, so it serves no subscriptions",
              { extensions: { code: ERROR_CODES.BAD_REQUEST, http: { status: 400 } } },
            );
          }
        },
      };
    },
  };
}
