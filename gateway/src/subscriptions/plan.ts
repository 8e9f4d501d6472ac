import {
  getArgumentValues,
  getDirectiveValues,
  getNamedType,
  getOperationAST,
  GraphQLError,
  GraphQLIncludeDirective,
  GraphQLSkipDirective,
  isObjectType,
  Kind,
  print,
  visit,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLFormattedError,
  type GraphQLObjectType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionNode,
  type SelectionSetNode,
  type VariableDefinitionNode,
  getVariableValues,
} from "graphql";
import { ConcordError } from "@concord/service-kit";
import { ERROR_CODES, isScope, roleMayHold, type EventEnvelope, type SubscriptionArgs, type SubscriptionDeclaration } from "@concord/schema";

/** The variable the resolution query takes the event's object id in. */
export const ID_VARIABLE = "concordSubscriptionId";
/** Alias of the access probe added when a subscriber selects nothing of the object itself. */
const PROBE = "concordAccess";

/** What an ordinary query through the gateway answered. */
export interface Resolution {
  data?: Record<string, unknown> | null;
  errors?: readonly GraphQLFormattedError[];
}

/** What one event becomes for a subscriber: a graphql-ws `next` payload. */
export interface Delivery {
  data: Record<string, unknown>;
  errors?: GraphQLError[];
}

/**
 * One subscription operation, turned into what the hub needs per event: the ordinary query that
 * resolves the payload's object with the subscriber's rights, and how to shape its answer into
 * the payload the subscriber asked for.
 */
export interface SubscriptionPlan {
  declaration: SubscriptionDeclaration;
  /** The subscription field's arguments, coerced. */
  args: SubscriptionArgs;
  /** The resolution query (it takes the object id in `$concordSubscriptionId`). */
  query: string;
  /** The subscriber's variables the query uses. */
  variables: Record<string, unknown>;
  /** Plans with equal keys resolve and shape every event identically (for the same principal scope). */
  key: string;
  /**
   * What one event's resolution means for the subscriber: a payload to deliver; hidden (the
   * subscriber may not see the event's object: refused or not found); or failed (the resolution
   * did not work, so nothing can be said — the event must not be skipped silently).
   */
  shape(e: EventEnvelope, cursor: string, r: Resolution): Shaped;
}

export type Shaped = { outcome: "deliver"; delivery: Delivery } | { outcome: "hidden" } | { outcome: "failed"; reason: string };

type Part = { key: string; kind: "meta" | "entity" | "typename"; name: string };

/**
 * Plans a subscription operation already validated against the API schema. Refusals come back as
 * GraphQL errors with a code from the shared list.
 */
export function planSubscription(
  schema: GraphQLSchema,
  declarations: readonly SubscriptionDeclaration[],
  document: DocumentNode,
  operationName: string | null | undefined,
  rawVariables: Record<string, unknown> | null | undefined,
): SubscriptionPlan | GraphQLError[] {
  const op = getOperationAST(document, operationName);
  if (!op) return [new ConcordError(ERROR_CODES.OPERATION_RESOLUTION_FAILURE, "Name the operation to run: the document has several or none")];
  if (op.operation !== "subscription") {
    return [new ConcordError(ERROR_CODES.BAD_REQUEST, `Send ${op.operation} operations over HTTP POST /graphql; the WebSocket serves subscriptions`)];
  }
  if (op.variableDefinitions?.some((v) => v.variable.name.value === ID_VARIABLE)) {
    return [new ConcordError(ERROR_CODES.BAD_USER_INPUT, `$${ID_VARIABLE} is reserved`)];
  }
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
  const vars = getVariableValues(schema, op.variableDefinitions ?? [], rawVariables ?? {});
  if (vars.errors) return vars.errors.map((e) => new ConcordError(ERROR_CODES.BAD_USER_INPUT, e.message));
  const coerced = vars.coerced;

  const subscriptionType = schema.getSubscriptionType()!;
  const roots = [...collectFields([op.selectionSet], subscriptionType, coerced, fragments)];
  if (roots.length !== 1) return [new ConcordError(ERROR_CODES.BAD_REQUEST, "A subscription selects exactly one field")];
  const [rootKey, rootNodes] = roots[0]!;
  const fieldName = rootNodes[0]!.name.value;
  const declaration = declarations.find((d) => d.field === fieldName);
  const fieldDef = subscriptionType.getFields()[fieldName];
  if (!declaration || !fieldDef) return [new ConcordError(ERROR_CODES.BAD_REQUEST, `Subscription.${fieldName} is not served by this gateway`)];
  const args = getArgumentValues(fieldDef, rootNodes[0]!, coerced);
  const payloadType = getNamedType(fieldDef.type) as GraphQLObjectType;

  const parts: Part[] = [];
  const queryFields: FieldNode[] = [];
  const selectionSets = rootNodes.flatMap((n) => (n.selectionSet ? [n.selectionSet] : []));
  for (const [key, nodes] of collectFields(selectionSets, payloadType, coerced, fragments)) {
    const name = nodes[0]!.name.value;
    if (name === "__typename") parts.push({ key, kind: "typename", name });
    else if (name === declaration.entity.field) {
      parts.push({ key, kind: "entity", name });
      queryFields.push(entityField(key, declaration.entity.query, nodes.flatMap((n) => n.selectionSet?.selections ?? [])));
    } else if (declaration.meta[name]) parts.push({ key, kind: "meta", name });
    // declarationProblems() keeps the gateway from starting with such a field; never expected here.
    else return [new ConcordError(ERROR_CODES.INTERNAL_SERVER_ERROR, "Internal server error")];
  }
  // Nothing of the object selected: still ask for it, since only its resolution says whether the
  // subscriber may hear of the event at all.
  if (queryFields.length === 0) queryFields.push(entityField(PROBE, declaration.entity.query, [typename()]));

  const selectionSet: SelectionSetNode = { kind: Kind.SELECTION_SET, selections: queryFields };
  const usedFragments = fragmentsUsed(selectionSet, fragments);
  const usedVariables = variablesUsed([selectionSet, ...usedFragments]);
  const queryDoc: DocumentNode = {
    kind: Kind.DOCUMENT,
    definitions: [
      {
        kind: Kind.OPERATION_DEFINITION,
        operation: "query" as OperationDefinitionNode["operation"],
        name: { kind: Kind.NAME, value: "ConcordSubscription" },
        variableDefinitions: [idVariable(), ...(op.variableDefinitions ?? []).filter((v) => usedVariables.has(v.variable.name.value))],
        selectionSet,
      } as OperationDefinitionNode,
      ...usedFragments,
    ],
  };
  const query = print(queryDoc);
  const variables = Object.fromEntries(Object.entries(rawVariables ?? {}).filter(([k]) => usedVariables.has(k)));
  const entityKeys = parts.filter((p) => p.kind === "entity").map((p) => p.key);
  const visibleKeys = entityKeys.length ? entityKeys : [PROBE];

  return {
    declaration,
    args,
    query,
    variables,
    key: JSON.stringify([declaration.field, query, variables, rootKey, parts]),
    shape(e, cursor, r) {
      const data = r.data;
      if (!data) return { outcome: "failed", reason: r.errors?.[0]?.message ?? "no data" };
      const strays = (r.errors ?? []).filter((err) => !(typeof err.path?.[0] === "string" && visibleKeys.includes(err.path[0])));
      if (strays.length) return { outcome: "failed", reason: strays[0]!.message };
      const roots = visibleKeys.map((k) => (Object.hasOwn(data, k) ? data[k] : undefined));
      if (roots.some((v) => v === undefined)) return { outcome: "failed", reason: "the answer lacks the object" };
      if (roots.every((v) => v === null)) {
        // Refused or gone: not this subscriber's to hear of. Anything else is a failure to retry.
        const why = (r.errors ?? []).filter((err) => err.path?.length === 1).map((err) => err.extensions?.code);
        return why.length && why.every((c) => c === ERROR_CODES.FORBIDDEN || c === ERROR_CODES.NOT_FOUND)
          ? { outcome: "hidden" }
          : { outcome: "failed", reason: r.errors?.[0]?.message ?? "the object resolved to null" };
      }
      const payload: Record<string, unknown> = {};
      for (const p of parts) {
        if (p.kind === "typename") payload[p.key] = payloadType.name;
        else if (p.kind === "meta") payload[p.key] = declaration.meta[p.name]!(e, cursor);
        else payload[p.key] = data[p.key] ?? null;
      }
      const errors = (r.errors ?? [])
        .filter((err) => entityKeys.includes(err.path![0] as string))
        .map((err) => new GraphQLError(err.message, { path: [rootKey, ...err.path!], extensions: err.extensions }));
      return { outcome: "deliver", delivery: errors.length ? { data: { [rootKey]: payload }, errors } : { data: { [rootKey]: payload } } };
    },
  };
}

/**
 * The fields a selection set selects on an object type, by response key and in order, with
 * fragments spread and @skip/@include applied (graphql-js's CollectFields for our needs).
 */
function collectFields(
  sets: readonly SelectionSetNode[],
  type: GraphQLObjectType,
  variables: Record<string, unknown>,
  fragments: Map<string, FragmentDefinitionNode>,
  out = new Map<string, FieldNode[]>(),
  seen = new Set<string>(),
): Map<string, FieldNode[]> {
  for (const set of sets) {
    for (const s of set.selections) {
      if (!included(s, variables)) continue;
      if (s.kind === Kind.FIELD) {
        const key = s.alias?.value ?? s.name.value;
        out.set(key, [...(out.get(key) ?? []), s]);
      } else if (s.kind === Kind.INLINE_FRAGMENT) {
        if (!s.typeCondition || s.typeCondition.name.value === type.name) collectFields([s.selectionSet], type, variables, fragments, out, seen);
      } else {
        const f = fragments.get(s.name.value);
        if (!f || seen.has(f.name.value) || f.typeCondition.name.value !== type.name) continue;
        seen.add(f.name.value);
        collectFields([f.selectionSet], type, variables, fragments, out, seen);
      }
    }
  }
  return out;
}

function included(node: SelectionNode, variables: Record<string, unknown>): boolean {
  if (getDirectiveValues(GraphQLSkipDirective, node, variables)?.if === true) return false;
  return getDirectiveValues(GraphQLIncludeDirective, node, variables)?.if !== false;
}

function entityField(alias: string, query: string, selections: readonly SelectionNode[]): FieldNode {
  return {
    kind: Kind.FIELD,
    alias: { kind: Kind.NAME, value: alias },
    name: { kind: Kind.NAME, value: query },
    arguments: [
      { kind: Kind.ARGUMENT, name: { kind: Kind.NAME, value: "id" }, value: { kind: Kind.VARIABLE, name: { kind: Kind.NAME, value: ID_VARIABLE } } },
    ],
    selectionSet: { kind: Kind.SELECTION_SET, selections },
  };
}

const typename = (): FieldNode => ({ kind: Kind.FIELD, name: { kind: Kind.NAME, value: "__typename" } });

function idVariable(): VariableDefinitionNode {
  return {
    kind: Kind.VARIABLE_DEFINITION,
    variable: { kind: Kind.VARIABLE, name: { kind: Kind.NAME, value: ID_VARIABLE } },
    type: { kind: Kind.NON_NULL_TYPE, type: { kind: Kind.NAMED_TYPE, name: { kind: Kind.NAME, value: "ID" } } },
  };
}

/** The fragment definitions a selection set spreads, directly or through other fragments. */
function fragmentsUsed(set: SelectionSetNode, fragments: Map<string, FragmentDefinitionNode>): FragmentDefinitionNode[] {
  const used = new Map<string, FragmentDefinitionNode>();
  const walk = (node: SelectionSetNode | FragmentDefinitionNode) =>
    visit(node, {
      FragmentSpread(s) {
        const f = fragments.get(s.name.value);
        if (f && !used.has(f.name.value)) {
          used.set(f.name.value, f);
          walk(f);
        }
      },
    });
  walk(set);
  return [...used.values()];
}

function variablesUsed(nodes: ReadonlyArray<SelectionSetNode | FragmentDefinitionNode>): Set<string> {
  const names = new Set<string>();
  for (const n of nodes) visit(n, { Variable: (v) => void names.add(v.name.value) });
  return names;
}

/**
 * What is wrong between the declarations and the schema: a declared field the supergraph lacks,
 * a payload field with no source, an entity query that does not return the payload's object, a
 * scope not in the catalogue or one a declared role may not hold. The gateway refuses to start
 * with any.
 */
export function declarationProblems(schema: GraphQLSchema, declarations: readonly SubscriptionDeclaration[]): string[] {
  const problems: string[] = [];
  const fields = schema.getSubscriptionType()?.getFields() ?? {};
  const queries = schema.getQueryType()?.getFields() ?? {};
  for (const d of declarations) {
    if (!isScope(d.scope)) problems.push(`Subscription.${d.field} needs the unknown scope ${String(d.scope)}`);
    else for (const r of d.roles) if (!roleMayHold(r, d.scope)) problems.push(`Subscription.${d.field} needs ${d.scope}, which the ${r} role may not hold`);
    const field = fields[d.field];
    if (!field) {
      problems.push(`Subscription.${d.field} is declared but not in the supergraph`);
      continue;
    }
    const payload = getNamedType(field.type);
    if (!isObjectType(payload)) {
      problems.push(`Subscription.${d.field} must return an object type`);
      continue;
    }
    for (const name of Object.keys(payload.getFields())) {
      if (name !== d.entity.field && !d.meta[name]) problems.push(`${payload.name}.${name} has no source in SUBSCRIPTIONS`);
    }
    const entity = payload.getFields()[d.entity.field];
    const query = queries[d.entity.query];
    if (!entity || !query || getNamedType(entity.type) !== getNamedType(query.type) || !query.args.some((a) => a.name === "id")) {
      problems.push(`${payload.name}.${d.entity.field} must be resolvable as Query.${d.entity.query}(id:) of the same type`);
    }
  }
  return problems;
}
