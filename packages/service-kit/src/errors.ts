import { GraphQLError, type GraphQLFormattedError } from "graphql";
import { unwrapResolverError } from "@apollo/server/errors";
import { ERROR_CODES, isErrorCode, type ErrorCode } from "@concord/schema";
import type { ApolloServerPlugin } from "@apollo/server";
import type { Logger } from "./logger";

/** A public error: its message and code reach the caller unchanged. */
export class ConcordError extends GraphQLError {
  constructor(code: ErrorCode, message: string, extensions: Record<string, unknown> = {}) {
    super(message, { extensions: { ...extensions, code } });
  }
}

export const badInput = (message: string, field?: string) =>
  new ConcordError(ERROR_CODES.BAD_USER_INPUT, message, field ? { field } : {});
export const notFound = (what: string, id: string) =>
  new ConcordError(ERROR_CODES.NOT_FOUND, `${what} ${id} was not found`, { id });
export const conflict = (message: string) => new ConcordError(ERROR_CODES.CONFLICT, message);

/** True when `error` may reach the caller as it is: a GraphQL error with a public code. */
export function isPublicError(error: unknown, formattedCode?: unknown): boolean {
  const original = unwrapResolverError(error);
  const code = formattedCode ?? (original as { extensions?: { code?: unknown } })?.extensions?.code;
  return (
    isErrorCode(code) &&
    code !== ERROR_CODES.INTERNAL_SERVER_ERROR &&
    (original instanceof GraphQLError || !(original instanceof Error))
  );
}

/**
 * Apollo `formatError`: public errors pass (without stack traces); anything else reaches the
 * caller as INTERNAL_SERVER_ERROR with no detail. The full error is logged, with the request
 * id, by {@link logInternalErrors}.
 */
export function maskError(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError {
  if (isPublicError(error, formatted.extensions?.code)) {
    const { stacktrace: _drop, ...extensions } = formatted.extensions ?? {};
    return { ...formatted, extensions };
  }
  return {
    message: "Internal server error",
    path: formatted.path,
    locations: formatted.locations,
    extensions: { code: ERROR_CODES.INTERNAL_SERVER_ERROR },
  };
}

/** Apollo plugin: logs every error that will be masked, in full, on the request's own logger. */
export function logInternalErrors<C extends { logger: Logger }>(): ApolloServerPlugin<C> {
  return {
    async requestDidStart() {
      return {
        async didEncounterErrors({ errors, contextValue }) {
          for (const error of errors) {
            if (isPublicError(error)) continue;
            contextValue.logger.error({ err: unwrapResolverError(error), path: error.path }, "internal error");
          }
        },
      };
    },
  };
}
