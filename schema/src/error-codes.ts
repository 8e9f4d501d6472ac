/**
 * The one list of `extensions.code` values that Concord's servers send to callers.
 *
 * Every public error carries one of these codes; anything else is masked as
 * INTERNAL_SERVER_ERROR for the caller and logged in full on the server.
 */
export const ERROR_CODES = {
  /** The input is well-formed GraphQL but breaks a rule: bad amount, unknown currency, malformed cursor. */
  BAD_USER_INPUT: "BAD_USER_INPUT",
  /** No such entity, or not one the caller may know exists. */
  NOT_FOUND: "NOT_FOUND",
  /** The request carries no valid credentials. */
  UNAUTHENTICATED: "UNAUTHENTICATED",
  /** The caller is known but may not see or do this. */
  FORBIDDEN: "FORBIDDEN",
  /** The change conflicts with the current state (for example an idempotency key reused with other input). */
  CONFLICT: "CONFLICT",
  /** The operation breaks an operation limit (depth, cost, size). */
  OPERATION_LIMIT_EXCEEDED: "OPERATION_LIMIT_EXCEEDED",
  /** A subscription cursor older than the replay window. */
  REPLAY_WINDOW_EXCEEDED: "REPLAY_WINDOW_EXCEEDED",
  /**
   * The service cannot decide this now and wrote nothing: retry later. A subgraph whose case
   * directory is stopped on an event it cannot apply answers a report this way rather than
   * judge it on what it does not know.
   */
  UNAVAILABLE: "UNAVAILABLE",
  /** The document does not parse. Sent by Apollo Server. */
  GRAPHQL_PARSE_FAILED: "GRAPHQL_PARSE_FAILED",
  /** The document does not validate against the schema. Sent by Apollo Server. */
  GRAPHQL_VALIDATION_FAILED: "GRAPHQL_VALIDATION_FAILED",
  /** The operation name does not match an operation in the document. Sent by Apollo Server. */
  OPERATION_RESOLUTION_FAILURE: "OPERATION_RESOLUTION_FAILURE",
  /** The HTTP request itself is malformed. Sent by Apollo Server. */
  BAD_REQUEST: "BAD_REQUEST",
  /** Anything unexpected; details are in the server log under the request id. */
  INTERNAL_SERVER_ERROR: "INTERNAL_SERVER_ERROR",
} as const;

export type ErrorCode = (typeof ERROR_CODES)[keyof typeof ERROR_CODES];

const known = new Set<string>(Object.values(ERROR_CODES));

/** True when `code` is on the shared list. */
export function isErrorCode(code: unknown): code is ErrorCode {
  return typeof code === "string" && known.has(code);
}
