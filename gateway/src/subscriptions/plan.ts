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
import {
  ERROR_CODES,
  isScope,
  roleMayHold,
  subjectOf,
  type EntitySource,
  type EventEnvelope,
  type SubscriptionArgs,
  type SubscriptionDeclaration,
} from "@concord/schema";

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
 * One subscription operation, turned into what the hub needs per event: for each subject that
 * feeds it, the ordinary query that resolves the event's objects with the subscriber's rights,
 * and how to shape its answer into the payload the subscriber asked for.
 */
export interface SubscriptionPlan {
  declaration: SubscriptionDeclaration;
  /** The subscription field's arguments, coerced. */
  args: SubscriptionArgs;
  /**
   * The resolution query of the declaration's first subject (of every subject, when the
   * declaration has one entity); `forSubject` gives each subject's.
   */
  query: string;
  /** The subscriber's variables that query uses. */
  variables: Record<string, unknown>;
  /** Plans with equal keys resolve and shape every event identically (for the same principal scope). */
  key: string;
  /** How events of `subject` are resolved and shaped, planned once; undefined for a subject not declared. */
  forSubject(subject: string): SubjectPlan | undefined;
  /** Shapes an event's resolution, by the plan of the event's subject. */
  shape(e: EventEnvelope, cursor: string, r: Resolution): Shaped;
}

/** How the events of one subject are resolved for a subscriber and shaped into its payload. */
export interface SubjectPlan {
  /** The resolution query: the subject's entity fields the subscriber selected, or a probe of its first entity. */
  query: string;
  /** The subscriber's variables the query uses. */
  variables: Record<string, unknown>;
  /** The ids the query takes: each in its variable, read off the event (none may be missing). */
  ids: readonly { variable: string; idOf(e: EventEnvelope): string | null }[];
  /**
   * What one event's resolution means for the subscriber: a payload to deliver; hidden (the
   * subscriber may not see an object of the event: refused or not found); or failed (the
   * resolution did not work, so nothing can be said — the event must not be skipped silently).
   */
  shape(e: EventEnvelope, cursor: string, r: Resolution): Shaped;
}

export type Shaped = { outcome: "deliver"; delivery: Delivery } | { outcome: "hidden" } | { outcome: "failed"; reason: string };

type Part = { key: string; kind: "meta" | "entity" | "typename"; name: string };

/** The variable entity `index` of a declaration takes its id in (the first: `$concordSubscriptionId`). */
const idVariableName = (index: number) => (index === 0 ? ID_VARIABLE : `${ID_VARIABLE}${index + 1}`);

/** Whether a declaration's entity is resolved for events of `subject`. */
const appliesTo = (entity: EntitySource, subject: string) => !entity.subjects || entity.subjects.includes(subject);

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
  // The other entities' id variables (a declaration with one has none beyond $concordSubscriptionId).
  const reserved = declaration.entities.slice(1).map((_, i) => idVariableName(i + 1));
  const taken = op.variableDefinitions?.find((v) => reserved.includes(v.variable.name.value));
  if (taken) return [new ConcordError(ERROR_CODES.BAD_USER_INPUT, `$${taken.variable.name.value} is reserved`)];
  const args = getArgumentValues(fieldDef, rootNodes[0]!, coerced);
  const payloadType = getNamedType(fieldDef.type) as GraphQLObjectType;

  const parts: Part[] = [];
  /** The entity fields selected, by response key: which entity, and the subscriber's selection of it. */
  const selected: { key: string; index: number; selections: SelectionNode[] }[] = [];
  const selectionSets = rootNodes.flatMap((n) => (n.selectionSet ? [n.selectionSet] : []));
  for (const [key, nodes] of collectFields(selectionSets, payloadType, coerced, fragments)) {
    const name = nodes[0]!.name.value;
    const index = declaration.entities.findIndex((en) => en.field === name);
    if (name === "__typename") parts.push({ key, kind: "typename", name });
    else if (index >= 0) {
      parts.push({ key, kind: "entity", name });
      selected.push({ key, index, selections: nodes.flatMap((n) => n.selectionSet?.selections ?? []) });
    } else if (declaration.meta[name]) parts.push({ key, kind: "meta", name });
    // declarationProblems() keeps the gateway from starting with such a field; never expected here.
    else return [new ConcordError(ERROR_CODES.INTERNAL_SERVER_ERROR, "Internal server error")];
  }

  // One plan per set of applicable entities (most declarations have one for all their subjects).
  const bySubject = new Map<string, SubjectPlan>();
  const bySignature = new Map<string, SubjectPlan>();
  for (const subject of declaration.subjects) {
    const applicable = selected.filter((s) => appliesTo(declaration.entities[s.index]!, subject));
    const first = declaration.entities.findIndex((en) => appliesTo(en, subject));
    // declarationProblems() gives every subject an entity; without one nothing says who may see its events.
    if (first < 0) continue;
    const signature = JSON.stringify(applicable.length ? applicable.map((s) => s.index) : ["probe", first]);
    let sp = bySignature.get(signature);
    if (!sp) bySignature.set(signature, (sp = subjectPlan(declaration, payloadType, rootKey, parts, applicable, first, op, fragments, rawVariables)));
    bySubject.set(subject, sp);
  }
  const plans = [...bySignature.values()];
  const main = bySubject.get(declaration.subjects[0]!) ?? plans[0];
  const query = main?.query ?? "";
  const variables = main?.variables ?? {};
  const allVariables = Object.assign({}, ...plans.map((p) => p.variables)) as Record<string, unknown>;

  return {
    declaration,
    args,
    query,
    variables,
    key: JSON.stringify([declaration.field, plans.length === 1 ? query : plans.map((p) => p.query), plans.length === 1 ? variables : allVariables, rootKey, parts]),
    forSubject: (subject) => bySubject.get(subject),
    shape(e, cursor, r) {
      const sp = bySubject.get(subjectOf(e));
      return sp ? sp.shape(e, cursor, r) : { outcome: "failed", reason: `${subjectOf(e)} does not feed Subscription.${declaration.field}` };
    },
  };
}

/** The query and shaping for events whose objects are the `applicable` selections (or, with none, a probe of entity `first`). */
function subjectPlan(
  declaration: SubscriptionDeclaration,
  payloadType: GraphQLObjectType,
  rootKey: string,
  parts: readonly Part[],
  applicable: readonly { key: string; index: number; selections: SelectionNode[] }[],
  first: number,
  op: OperationDefinitionNode,
  fragments: Map<string, FragmentDefinitionNode>,
  rawVariables: Record<string, unknown> | null | undefined,
): SubjectPlan {
  const queryFields: FieldNode[] = applicable.map((s) =>
    entityField(s.key, declaration.entities[s.index]!.query, s.selections, idVariableName(s.index)),
  );
  // Nothing of the event's objects selected: still ask for one, since only its resolution says
  // whether the subscriber may hear of the event at all.
  if (queryFields.length === 0) queryFields.push(entityField(PROBE, declaration.entities[first]!.query, [typename()], idVariableName(first)));
  /** The response keys each queried entity answers under (the probe's, with none selected). */
  const keysByEntity = new Map<number, string[]>();
  if (applicable.length === 0) keysByEntity.set(first, [PROBE]);
  for (const s of applicable) keysByEntity.set(s.index, [...(keysByEntity.get(s.index) ?? []), s.key]);
  const indices = [...keysByEntity.keys()].sort((a, b) => a - b);

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
        variableDefinitions: [...indices.map((i) => idVariable(idVariableName(i))), ...(op.variableDefinitions ?? []).filter((v) => usedVariables.has(v.variable.name.value))],
        selectionSet,
      } as OperationDefinitionNode,
      ...usedFragments,
    ],
  };
  const query = print(queryDoc);
  const variables = Object.fromEntries(Object.entries(rawVariables ?? {}).filter(([k]) => usedVariables.has(k)));
  const entityKeys = applicable.map((s) => s.key);
  const visibleKeys = [...keysByEntity.values()].flat();
  const applies = new Set(entityKeys);

  return {
    query,
    variables,
    ids: indices.map((i) => ({ variable: idVariableName(i), idOf: (e: EventEnvelope) => declaration.entities[i]!.idOf(e) })),
    shape(e, cursor, r) {
      const data = r.data;
      if (!data) return { outcome: "failed", reason: r.errors?.[0]?.message ?? "no data" };
      const strays = (r.errors ?? []).filter((err) => !(typeof err.path?.[0] === "string" && visibleKeys.includes(err.path[0])));
      if (strays.length) return { outcome: "failed", reason: strays[0]!.message };
      // Each object must be seen: one refused or gone hides the event, whatever the others say.
      let failure: Shaped | undefined;
      for (const keys of keysByEntity.values()) {
        const seen = visibility(data, keys, r.errors ?? []);
        if (seen.outcome === "hidden") return seen;
        failure ??= seen.outcome === "failed" ? seen : undefined;
      }
      if (failure) return failure;
      const payload: Record<string, unknown> = {};
      for (const p of parts) {
        if (p.kind === "typename") payload[p.key] = payloadType.name;
        else if (p.kind === "meta") payload[p.key] = declaration.meta[p.name]!(e, cursor);
        // An entity field not resolved for this subject is null.
        else payload[p.key] = applies.has(p.key) ? (data[p.key] ?? null) : null;
      }
      const errors = (r.errors ?? [])
        .filter((err) => entityKeys.includes(err.path![0] as string))
        .map((err) => new GraphQLError(err.message, { path: [rootKey, ...err.path!], extensions: err.extensions }));
      return { outcome: "deliver", delivery: errors.length ? { data: { [rootKey]: payload }, errors } : { data: { [rootKey]: payload } } };
    },
  };
}

/** Whether one object, answered under `keys`, may be seen: "deliver" when it may, hidden when refused or gone, failed otherwise. */
function visibility(data: Record<string, unknown>, keys: readonly string[], errors: readonly GraphQLFormattedError[]): Shaped | { outcome: "deliver" } {
  const roots = keys.map((k) => (Object.hasOwn(data, k) ? data[k] : undefined));
  if (roots.some((v) => v === undefined)) return { outcome: "failed", reason: "the answer lacks the object" };
  if (!roots.every((v) => v === null)) return { outcome: "deliver" };
  // Refused or gone: not this subscriber's to hear of. Anything else is a failure to retry.
  const mine = errors.filter((err) => err.path?.length === 1 && keys.includes(err.path[0] as string));
  const why = mine.map((err) => err.extensions?.code);
  return why.length && why.every((c) => c === ERROR_CODES.FORBIDDEN || c === ERROR_CODES.NOT_FOUND)
    ? { outcome: "hidden" }
    : { outcome: "failed", reason: errors[0]?.message ?? "the object resolved to null" };
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

function entityField(alias: string, query: string, selections: readonly SelectionNode[], variable: string): FieldNode {
  return {
    kind: Kind.FIELD,
    alias: { kind: Kind.NAME, value: alias },
    name: { kind: Kind.NAME, value: query },
    arguments: [
      { kind: Kind.ARGUMENT, name: { kind: Kind.NAME, value: "id" }, value: { kind: Kind.VARIABLE, name: { kind: Kind.NAME, value: variable } } },
    ],
    selectionSet: { kind: Kind.SELECTION_SET, selections },
  };
}

const typename = (): FieldNode => ({ kind: Kind.FIELD, name: { kind: Kind.NAME, value: "__typename" } });

function idVariable(name: string): VariableDefinitionNode {
  return {
    kind: Kind.VARIABLE_DEFINITION,
    variable: { kind: Kind.VARIABLE, name: { kind: Kind.NAME, value: name } },
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
 * a payload field with no source, an entity query that does not return the payload's object, an
 * entity resolved for a subject that does not feed its field, a subject with no entity (nothing
 * would say who may see its events), a scope not in the catalogue or one a declared role may not
 * hold. The gateway refuses to start with any.
 */
export function declarationProblems(schema: GraphQLSchema, declarations: readonly SubscriptionDeclaration[]): string[] {
  const problems: string[] = [];
  const fields = schema.getSubscriptionType()?.getFields() ?? {};
  const queries = schema.getQueryType()?.getFields() ?? {};
  for (const d of declarations) {
    if (!isScope(d.scope)) problems.push(`Subscription.${d.field} needs the unknown scope ${String(d.scope)}`);
    else for (const r of d.roles) if (!roleMayHold(r, d.scope)) problems.push(`Subscription.${d.field} needs ${d.scope}, which the ${r} role may not hold`);
    d.entities.forEach((en, i) => {
      if (d.entities.findIndex((o) => o.field === en.field) !== i) problems.push(`Subscription.${d.field} declares its entity ${en.field} twice`);
      for (const s of en.subjects ?? []) {
        if (!d.subjects.includes(s)) problems.push(`Subscription.${d.field}'s entity ${en.field} is resolved for ${s}, which does not feed it`);
      }
    });
    for (const s of d.subjects) {
      if (!d.entities.some((en) => appliesTo(en, s))) problems.push(`Subscription.${d.field} has no entity for ${s}, so nothing says who may see its events`);
    }
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
      if (!d.entities.some((en) => en.field === name) && !d.meta[name]) problems.push(`${payload.name}.${name} has no source in SUBSCRIPTIONS`);
    }
    for (const en of d.entities) {
      const entity = payload.getFields()[en.field];
      const query = queries[en.query];
      if (!entity || !query || getNamedType(entity.type) !== getNamedType(query.type) || !query.args.some((a) => a.name === "id")) {
        problems.push(`${payload.name}.${en.field} must be resolvable as Query.${en.query}(id:) of the same type`);
      }
    }
  }
  return problems;
}
