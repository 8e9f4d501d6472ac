import { maxHeaderSize, type Server } from "node:http";
import { GraphQLError, parse, validate, type DocumentNode, type GraphQLSchema } from "graphql";
import { WebSocketServer } from "ws";
import { useServer } from "graphql-ws/use/ws";
import { ERROR_CODES, WS_CLOSE_CODES, type Principal } from "@concord/schema";
import { checkOperationLimits, ConcordError, hasScope, missingScope, withArticle, type Logger, type OperationLimits } from "@concord/service-kit";
import { bearer, verifyCallerToken, type CallerVerification } from "../auth/principal";
import { planSubscription } from "./plan";
import { Subscriber } from "./subscriber";
import type { SubscriptionHub } from "./hub";

/** Distinct operation texts (and plans) kept; the oldest are dropped beyond it. */
const CACHE_SIZE = 1_000;

/** `make()` once per key, remembered for the next caller, the oldest dropped beyond CACHE_SIZE. */
function cached<V>(cache: Map<string, V>, key: string, make: () => V): V {
  const hit = cache.get(key);
  if (hit !== undefined) return hit;
  const value = make();
  cache.set(key, value);
  if (cache.size > CACHE_SIZE) cache.delete(cache.keys().next().value!);
  return value;
}

export interface WebSocketOptions {
  httpServer: Server;
  /** The supergraph's API schema: subscription operations are validated against it. */
  schema: GraphQLSchema;
  hub: SubscriptionHub;
  auth: CallerVerification;
  limits: OperationLimits;
  logger: Logger;
  /** Payloads one subscriber may have waiting before it is closed as too slow. @default 256 */
  queueLimit?: number;
  /** Subscriptions one connection may hold at once. @default 32 */
  maxPerConnection?: number;
}

/** What we keep per connection, beside graphql-ws's own `{ socket, request }`. */
interface Connection extends Record<PropertyKey, unknown> {
  principal?: Principal;
  expiry?: NodeJS.Timeout;
}

/**
 * graphql-ws on the gateway's own HTTP server, same path as queries (/graphql). The caller's JWT
 * comes in connection_init (`{ "authorization": "Bearer <jwt>" }`) and is checked as over HTTP: a
 * bad one, or one longer than an HTTP header may be, closes the socket with 4403, and the socket
 * is closed with 4001 when it expires. Each subscription is validated, held to the operation
 * limits and planned, refused unless its declaration's roles and scope admit the caller, then
 * fed by the hub.
 */
export function serveSubscriptions(opts: WebSocketOptions): { stop(): Promise<void> } {
  // Messages as large as an HTTP request body may be, no larger (ws would take 100 MiB).
  const wss = new WebSocketServer({ server: opts.httpServer, path: "/graphql", maxPayload: 1_048_576 });
  const queueLimit = opts.queueLimit ?? 256;
  const maxPerConnection = opts.maxPerConnection ?? 32;
  const documents = new Map<string, DocumentNode | GraphQLError[]>();
  const plans = new Map<string, ReturnType<typeof planSubscription>>();
  const check = (query: string): DocumentNode | GraphQLError[] => {
    let document: DocumentNode;
    try {
      document = parse(query);
    } catch (err) {
      return [new ConcordError(ERROR_CODES.GRAPHQL_PARSE_FAILED, (err as Error).message)];
    }
    const invalid = validate(opts.schema, document);
    if (invalid.length) return invalid.map((e) => new GraphQLError(e.message, { nodes: e.nodes, extensions: { code: ERROR_CODES.GRAPHQL_VALIDATION_FAILED } }));
    const limited = checkOperationLimits(document, opts.limits);
    return limited ? [limited] : document;
  };

  useServer<Record<string, unknown>, Connection>(
    {
      schema: opts.schema,
      onConnect: async (ctx) => {
        const params = ctx.connectionParams ?? {};
        // Over HTTP a token longer than the header limit never arrives (431); nor does it here.
        for (const value of [params.authorization, params.token]) {
          if (typeof value === "string" && value.length > maxHeaderSize) {
            opts.logger.info({ length: value.length }, "WebSocket connection refused: token over the header size limit");
            return false;
          }
        }
        const token = bearer(typeof params.authorization === "string" ? params.authorization : undefined) ?? (typeof params.token === "string" ? params.token : undefined);
        if (!token) return false;
        try {
          const { principal, expiresAt } = await verifyCallerToken(token, opts.auth);
          const c = ctx.extra;
          if (c.socket.readyState !== c.socket.OPEN) return false;
          c.principal = principal;
          const ms = Math.min(expiresAt.getTime() - Date.now(), 2 ** 31 - 1);
          c.expiry = setTimeout(() => c.socket.close(WS_CLOSE_CODES.TOKEN_EXPIRED, "Token expired; reconnect with a fresh one"), Math.max(0, ms));
          c.expiry.unref();
          return true;
        } catch (err) {
          opts.logger.info({ reason: (err as Error).message }, "WebSocket connection refused");
          return false;
        }
      },
      onClose: (ctx) => clearTimeout(ctx.extra.expiry),
      onSubscribe: async (ctx, _id, payload) => {
        const principal = ctx.extra.principal!;
        if (Object.keys(ctx.subscriptions).length > maxPerConnection) {
          return [new ConcordError(ERROR_CODES.OPERATION_LIMIT_EXCEEDED, `At most ${maxPerConnection} subscriptions per connection`)];
        }
        // Apps send the same few operations: each text is parsed, checked and planned once,
        // and its subscribers share the document and plan.
        const checked = cached(documents, payload.query, () => check(payload.query));
        if (Array.isArray(checked)) return checked;
        const document = checked;
        const planKey = JSON.stringify([payload.query, payload.operationName ?? null, payload.variables ?? null]);
        const plan = cached(plans, planKey, () => planSubscription(opts.schema, opts.hub.declarations, document, payload.operationName, payload.variables));
        if (Array.isArray(plan)) return plan;
        if (!plan.declaration.roles.includes(principal.role)) {
          return [new ConcordError(ERROR_CODES.FORBIDDEN, `${withArticle(principal.role, { capital: true })} may not subscribe to ${plan.declaration.field}`)];
        }
        if (!hasScope(principal, plan.declaration.scope)) return [missingScope(plan.declaration.scope, `Subscription.${plan.declaration.field}`)];
        const socket = ctx.extra.socket;
        const close = ({ code, reason }: { code: number; reason: string }) => {
          socket.close(code, reason);
          // A client too slow to read is too slow to answer the close handshake as well.
          setTimeout(() => socket.terminate(), 5_000).unref();
        };
        const sub = new Subscriber(principal, plan, queueLimit, close, (s) => opts.hub.remove(s));
        try {
          await opts.hub.add(sub, plan.args.after as string | null | undefined);
        } catch (err) {
          if (err instanceof GraphQLError && err.extensions.code) return [err];
          opts.logger.error({ err }, "could not start a subscription");
          return [new ConcordError(ERROR_CODES.INTERNAL_SERVER_ERROR, "Internal server error")];
        }
        return { schema: opts.schema, document, operationName: payload.operationName, variableValues: payload.variables, contextValue: sub };
      },
      subscribe: (args) => args.contextValue as Subscriber,
      onError: (_ctx, _id, _payload, errors) => {
        for (const e of errors) if (!e.extensions?.code) opts.logger.error({ err: e }, "subscription failed");
      },
    },
    wss,
  );

  return {
    /** Closes every connection with 1012 (Service Restart): clients reconnect, resuming with their last cursor. */
    async stop() {
      for (const client of wss.clients) client.close(WS_CLOSE_CODES.SERVICE_RESTART, "Gateway restarting; reconnect and resume after your last cursor");
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}
