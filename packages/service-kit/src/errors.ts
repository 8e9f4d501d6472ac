import { GraphQLError, type GraphQLFormattedError } from "graphql";
import { unwrapResolverError } from "@apollo/server/errors";
import { ERROR_CODES, isErrorCode, type ErrorCode } from "@concord/schema";
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

/**
 * Apollo `formatError`: public errors pass; anything else is logged in full with the
 * request id and reaches the caller as INTERNAL_SERVER_ERROR with no detail.
 */
export function maskErrors(logger: Logger) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const original = unwrapResolverError(error);
    const code = formatted.extensions?.code;
    const isPublic =
      isErrorCode(code) &&
      code !== ERROR_CODES.INTERNAL_SERVER_ERROR &&
      (original instanceof GraphQLError || !(original instanceof Error));
    if (isPublic) {
      const { stacktrace: _drop, ...extensions } = formatted.extensions ?? {};
      return { ...formatted, extensions };
    }
    // Errors relayed by the gateway from a subgraph arrive already masked there.
    const requestId = (error as { extensions?: { requestId?: string } })?.extensions?.requestId;
    logger.error({ err: original, path: formatted.path, requestId }, "internal error");
    return {
      message: "Internal server error",
      path: formatted.path,
      locations: formatted.locations,
      extensions: { code: ERROR_CODES.INTERNAL_SERVER_ERROR },
    };
  };
}
