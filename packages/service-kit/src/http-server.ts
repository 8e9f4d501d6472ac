import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { randomUUID } from "node:crypto";
import type { AddressInfo } from "node:net";
import { ApolloServer, HeaderMap, type ApolloServerOptions, type BaseContext } from "@apollo/server";
import { ApolloServerPluginDrainHttpServer } from "@apollo/server/plugin/drainHttpServer";
import { ApolloServerPluginLandingPageDisabled } from "@apollo/server/plugin/disabled";
import { StartupError } from "./config";
import { logInternalErrors, maskError } from "./errors";
import type { Logger } from "./logger";

/** What each request hands the context factory. */
export interface RequestInfo {
  req: IncomingMessage;
  /** This server's own id of the request (never the caller's), sent back as `x-request-id`. */
  requestId: string;
  /** The caller's `x-request-id`, if it sent a plain one: for correlating logs, nothing else. */
  clientRequestId?: string;
  /** Logs with `requestId` (and `clientRequestId`). */
  logger: Logger;
}

/** Options of {@link startGraphQLServer}. */
export interface GraphQLServerOptions<C extends BaseContext & { logger: Logger }> {
  /** Service name used in logs. */
  name: string;
  /** Apollo Server configuration: a `schema` for a subgraph or a `gateway`. */
  apollo: Omit<ApolloServerOptions<C>, "formatError" | "plugins"> & { plugins?: ApolloServerOptions<C>["plugins"] };
  /** Builds the per-request context. */
  context: (info: RequestInfo) => Promise<C>;
  /** Port to listen on; 0 picks a free one. */
  port: number;
  /** @default "127.0.0.1" */
  host?: string;
  logger: Logger;
  /** Extra readiness check for GET /health. */
  ready?: () => Promise<boolean> | boolean;
  /** More for GET /health to report (for example consumers stopped on an event they must not skip). */
  health?: () => Record<string, unknown>;
  /** Largest request body in bytes. @default 1_048_576 */
  maxBodyBytes?: number;
  /** Serve the Apollo landing page on GET /graphql. @default true */
  landingPage?: boolean;
  /** Extra GET routes by path, answered with JSON (for example a JWKS). */
  routes?: Record<string, () => unknown>;
  /** Browser origins allowed to call /graphql (CORS). @default none: no origin is allowed */
  cors?: CorsOptions;
}

/** Which browser origins may call /graphql across origins, and how. */
export interface CorsOptions {
  /**
   * Exact origins (`https://app.example.com`, scheme, host and port, no path), or `["*"]` for
   * any origin (not recommended: any web page could then drive a user's token).
   */
  origins: readonly string[];
  /** How long a browser may cache a preflight answer, in seconds. @default 600 */
  maxAgeSeconds?: number;
}

/** The request headers a browser client may send across origins. */
const CORS_REQUEST_HEADERS = "authorization, content-type, x-request-id, apollo-require-preflight, x-apollo-operation-name";

/** A running server; `stop()` drains connections and stops Apollo. */
export interface RunningServer<C extends BaseContext = BaseContext> {
  url: string;
  port: number;
  httpServer: Server;
  apollo: ApolloServer<C>;
  stop(): Promise<void>;
}

/**
 * Apollo Server 5 on our own node:http server (so a WebSocket server can share it), with
 * GraphQL at /graphql and a readiness probe at GET /health.
 */
export async function startGraphQLServer<C extends BaseContext & { logger: Logger }>(opts: GraphQLServerOptions<C>): Promise<RunningServer<C>> {
  const httpServer = createServer();
  const apollo = new ApolloServer<C>({
    ...(opts.apollo as ApolloServerOptions<C>),
    formatError: maskError,
    includeStacktraceInErrorResponses: false,
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer }),
      logInternalErrors<C>(),
      ...(opts.landingPage === false ? [ApolloServerPluginLandingPageDisabled()] : []),
      ...(opts.apollo.plugins ?? []),
    ],
  });
  await apollo.start();
  let ready = true;
  const maxBody = opts.maxBodyBytes ?? 1_048_576;

  httpServer.on("request", (req: IncomingMessage, res: ServerResponse) => {
    // Our own id, always: audit records carry it, so a caller must not be able to choose it.
    const requestId = randomUUID();
    const clientRequestId = headerValue(req, "x-request-id");
    res.setHeader("x-request-id", requestId);
    const url = new URL(req.url ?? "/", "http://localhost");
    if (url.pathname === "/health") {
      Promise.resolve(ready && (opts.ready ? opts.ready() : true))
        .then((ok) => {
          const more = opts.health?.() ?? {};
          const failing = Object.values(more).some((v) => Array.isArray(v) && v.length > 0);
          send(res, ok ? 200 : 503, { status: ok ? "ok" : failing ? "failing" : "starting", ...more });
        })
        .catch(() => send(res, 503, { status: "unavailable" }));
      return;
    }
    const route = opts.routes?.[url.pathname];
    if (route && req.method === "GET") return send(res, 200, route());
    if (url.pathname !== "/graphql") return send(res, 404, { error: "not found; GraphQL is served at /graphql" });
    if (answerCors(req, res, opts.cors)) return;
    const logger = opts.logger.child(clientRequestId ? { requestId, clientRequestId } : { requestId });
    handleGraphQL(apollo, req, res, url, maxBody, () => opts.context({ req, requestId, clientRequestId, logger })).catch((err) => {
      logger.error({ err }, "request failed");
      if (!res.headersSent) send(res, 500, { errors: [{ message: "Internal server error", extensions: { code: "INTERNAL_SERVER_ERROR" } }] });
      else res.end();
    });
  });

  await new Promise<void>((resolve, reject) => {
    httpServer.once("error", (err: NodeJS.ErrnoException) =>
      reject(
        err.code === "EADDRINUSE"
          ? new StartupError(`${opts.name} cannot listen on ${opts.host ?? "127.0.0.1"}:${opts.port}: the port is in use (is Concord already running?)`)
          : err,
      ),
    );
    httpServer.listen(opts.port, opts.host ?? "127.0.0.1", () => resolve());
  });
  const port = (httpServer.address() as AddressInfo).port;
  const url = `http://${opts.host ?? "127.0.0.1"}:${port}/graphql`;
  opts.logger.info({ url }, `${opts.name} ready`);
  return {
    url,
    port,
    httpServer,
    apollo,
    stop: once(async () => {
      ready = false;
      await apollo.stop();
      httpServer.closeAllConnections();
      await new Promise<void>((r) => httpServer.close(() => r()));
    }),
  };
}

function headerValue(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  const s = Array.isArray(v) ? v[0] : v;
  return s && /^[\w.:-]{1,128}$/.test(s) ? s : undefined;
}

/**
 * CORS for /graphql: an allowed origin gets `Access-Control-Allow-Origin` (and, on a preflight,
 * the methods and headers it may use); any other origin gets no CORS header, so its browser
 * refuses the page the answer. A preflight (OPTIONS) is answered here, 204, and true returned.
 */
function answerCors(req: IncomingMessage, res: ServerResponse, cors: CorsOptions | undefined): boolean {
  const origin = req.headers.origin;
  const any = cors?.origins.includes("*") ?? false;
  const allowed = typeof origin === "string" && cors !== undefined && (any || cors.origins.includes(origin));
  // The answer depends on the Origin header: caches must not hand one origin's answer to another.
  if (cors && !any) res.setHeader("vary", "Origin");
  if (allowed) {
    res.setHeader("access-control-allow-origin", any ? "*" : origin);
    res.setHeader("access-control-expose-headers", "x-request-id");
  }
  if (req.method !== "OPTIONS") return false;
  res.setHeader("allow", "GET, POST, OPTIONS");
  if (allowed) {
    res.setHeader("access-control-allow-methods", "GET, POST, OPTIONS");
    res.setHeader("access-control-allow-headers", CORS_REQUEST_HEADERS);
    res.setHeader("access-control-max-age", String(cors.maxAgeSeconds ?? 600));
  }
  res.statusCode = 204;
  res.end();
  return true;
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.statusCode = status;
  res.setHeader("content-type", "application/json; charset=utf-8");
  res.end(JSON.stringify(body));
}

/** How much of a body over the limit is read and dropped, so that its connection can close cleanly. */
const DRAIN_FACTOR = 8;

/**
 * The body, or null when it is larger than `max`. The rest of a body over the limit is read and
 * dropped (up to {@link DRAIN_FACTOR} times `max`, past which the connection is cut): closing a
 * socket with unread bytes in it resets it, and the client would lose the answer.
 */
async function readBody(req: IncomingMessage, max: number): Promise<string | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > max * DRAIN_FACTOR) {
      req.socket.destroy();
      return null;
    }
    if (size <= max) chunks.push(chunk as Buffer);
  }
  return size > max ? null : Buffer.concat(chunks).toString("utf8");
}

async function handleGraphQL<C extends BaseContext>(
  apollo: ApolloServer<C>,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  maxBody: number,
  context: () => Promise<C>,
): Promise<void> {
  const headers = new HeaderMap();
  for (const [key, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(", ") : value);
  }
  let body: unknown = undefined;
  if (req.method === "POST") {
    // A body declared too large to be worth reading is refused at once (its connection then
    // ends, unread); one over the limit is read to its end first (see readBody).
    const declared = Number(req.headers["content-length"] ?? 0);
    const raw = declared > maxBody * DRAIN_FACTOR ? null : await readBody(req, maxBody);
    if (raw === null) {
      // The connection is not reused after a refused body: say so, and close it once answered.
      res.setHeader("connection", "close");
      return send(res, 413, { errors: [{ message: `Request body too large (at most ${maxBody} bytes)`, extensions: { code: "BAD_REQUEST" } }] });
    }
    const type = headers.get("content-type") ?? "";
    if (type.includes("application/json") || type.includes("application/graphql-response+json")) {
      try {
        body = raw.length ? JSON.parse(raw) : undefined;
      } catch {
        return send(res, 400, { errors: [{ message: "The request body is not valid JSON", extensions: { code: "BAD_REQUEST" } }] });
      }
    } else {
      body = raw;
    }
  }
  const response = await apollo.executeHTTPGraphQLRequest({
    httpGraphQLRequest: { method: req.method?.toUpperCase() ?? "GET", headers, search: url.search, body },
    context,
  });
  for (const [key, value] of response.headers) res.setHeader(key, value);
  res.statusCode = response.status ?? 200;
  if (response.body.kind === "complete") {
    res.end(response.body.string);
    return;
  }
  for await (const chunk of response.body.asyncIterator) res.write(chunk);
  res.end();
}

/** `fn` run at most once; later calls share the first call's promise. */
export function once<T>(fn: () => Promise<T>): () => Promise<T> {
  let result: Promise<T> | undefined;
  return () => (result ??= fn());
}

/** Stops `server` on SIGINT or SIGTERM, then exits: 0 when it stopped cleanly, 1 when not. */
export function stopOnSignals(server: { stop(): Promise<void> }): void {
  const stop = once(() => server.stop());
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    // A terminal's Ctrl-C reaches us and `npm start` asks too: both share one stop.
    process.on(signal, () => {
      stop().then(
        () => process.exit(0),
        () => process.exit(1),
      );
    });
  }
}
