import { GraphQLError, Kind, type DocumentNode, type FragmentDefinitionNode, type SelectionSetNode } from "graphql";
import type { ApolloServerPlugin, BaseContext } from "@apollo/server";
import { ERROR_CODES } from "@concord/schema";

/**
 * What one operation may ask for, over HTTP and over the WebSocket alike: the gateway holds
 * callers to it, and every subgraph holds whoever calls it directly to the same.
 */
export interface OperationLimits {
  /** Deepest field nesting, fragments spread. @default 12 */
  maxDepth: number;
  /** Aliased fields in the whole document (aliases multiply the work of one request). @default 30 */
  maxAliases: number;
  /** Fields selected in the whole document, fragments counted where spread. @default 500 */
  maxFields: number;
}

export const DEFAULT_LIMITS: OperationLimits = { maxDepth: 12, maxAliases: 30, maxFields: 500 };

/** The first limit `document` breaks, as an OPERATION_LIMIT_EXCEEDED error; null when none. */
export function checkOperationLimits(document: DocumentNode, limits: OperationLimits = DEFAULT_LIMITS): GraphQLError | null {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
  let depth = 0;
  let aliases = 0;
  let fields = 0;
  const walk = (set: SelectionSetNode, level: number, spreading: Set<string>): void => {
    for (const s of set.selections) {
      if (fields > limits.maxFields || depth > limits.maxDepth) return;
      if (s.kind === Kind.FIELD) {
        fields++;
        if (s.alias) aliases++;
        depth = Math.max(depth, level);
        if (s.selectionSet) walk(s.selectionSet, level + 1, spreading);
      } else if (s.kind === Kind.INLINE_FRAGMENT) {
        walk(s.selectionSet, level, spreading);
      } else {
        const f = fragments.get(s.name.value);
        // A fragment spreading itself is a validation error reported elsewhere; never loop on it.
        if (f && !spreading.has(f.name.value)) walk(f.selectionSet, level, new Set([...spreading, f.name.value]));
      }
    }
  };
  for (const d of document.definitions) if (d.kind === Kind.OPERATION_DEFINITION) walk(d.selectionSet, 1, new Set());
  const broken =
    depth > limits.maxDepth
      ? `nests fields more than ${limits.maxDepth} deep`
      : aliases > limits.maxAliases
        ? `uses ${aliases} aliases (at most ${limits.maxAliases})`
        : fields > limits.maxFields
          ? `selects more than ${limits.maxFields} fields`
          : null;
  return broken ? new GraphQLError(`The operation ${broken}`, { extensions: { code: ERROR_CODES.OPERATION_LIMIT_EXCEEDED } }) : null;
}

/**
 * Refuses, before anything is resolved, an operation over `limits`: OPERATION_LIMIT_EXCEEDED,
 * HTTP 400. Every subgraph runs it (startSubgraph), so an internal token does not buy a deeper
 * or wider operation than the gateway would let through.
 */
export function operationLimitsPlugin<C extends BaseContext>(limits: OperationLimits = DEFAULT_LIMITS): ApolloServerPlugin<C> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ document }) {
          const limited = checkOperationLimits(document, limits);
          if (limited) throw new GraphQLError(limited.message, { extensions: { ...limited.extensions, http: { status: 400 } } });
        },
      };
    },
  };
}
