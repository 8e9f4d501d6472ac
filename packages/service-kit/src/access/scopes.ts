import { isObjectType, type GraphQLSchema } from "graphql";
import { getMetadataStorage, UseMiddleware, type MiddlewareFn } from "type-graphql";
import { isScope, type ScopeName } from "@concord/schema";
import { alreadyRecorded, hasScope, missingScope, type AccessContext } from "./policy";

/**
 * The scope each root operation needs, declared next to it as field policies are:
 *
 *     @NeedsScope("payments:write")
 *     @Policy(P.lenderOperation, "Mutation")
 *     @Mutation(() => RecordPaymentPayload)
 *     recordPayment(...)
 *
 * Checked before the resolver runs (and before the field's policy when written above `@Policy`,
 * as in every subgraph: type-graphql runs field middleware in the order the decorators are
 * written): a caller whose token does not grant the scope gets FORBIDDEN naming it, the refusal
 * goes to the audit log once, and nothing else happens. The
 * scope catalogue, and which roles may hold each scope, is schema/src/scopes.ts; subscriptions
 * declare theirs in SUBSCRIPTIONS, where the gateway checks them.
 */

/** type -> field -> scope; filled by {@link NeedsScope}. */
const fieldScopes = new Map<string, Map<string, ScopeName>>();

export { hasScope, missingScope } from "./policy";

/**
 * Declares the scope a root field needs and enforces it. On a method of a resolver class the
 * type is `Query` or `Mutation`, taken from `typeName` when given, else from the field's
 * decorator (`@Query` or `@Mutation`) as type-graphql records it.
 */
export function NeedsScope(scope: ScopeName, typeName?: "Query" | "Mutation"): MethodDecorator {
  if (!isScope(scope)) throw new Error(`Unknown scope ${scope} (see SCOPES in schema/src/scopes.ts)`);
  return (target: object, property: string | symbol, descriptor: PropertyDescriptor) => {
    const field = String(property);
    registerScope(typeName ?? rootTypeOf(target, field), field, scope);
    return (UseMiddleware(enforceScope(scope)) as MethodDecorator)(target, property, descriptor);
  };
}

/**
 * Declares the scope of a root field that no resolver class declares (a schema written in SDL);
 * the subgraph then enforces it in its own resolver with {@link hasScope}.
 */
export function registerScope(type: "Query" | "Mutation", field: string, scope: ScopeName): void {
  if (!isScope(scope)) throw new Error(`Unknown scope ${scope} on ${type}.${field}`);
  const fields = fieldScopes.get(type) ?? new Map<string, ScopeName>();
  fields.set(field, scope);
  fieldScopes.set(type, fields);
}

/**
 * Whether the method was declared with @Query or @Mutation: type-graphql has collected it by
 * the time a decorator written above it runs (decorators apply bottom-up). One written below it
 * cannot tell, so it must say `typeName`.
 */
function rootTypeOf(target: object, field: string): "Query" | "Mutation" {
  const storage = getMetadataStorage();
  const declared = (list: ReadonlyArray<{ target: unknown; methodName: string }>) =>
    list.some((m) => m.target === target.constructor && m.methodName === field);
  if (declared(storage.mutations)) return "Mutation";
  if (declared(storage.queries)) return "Query";
  throw new Error(`@NeedsScope on ${target.constructor.name}.${field}: write it above @Query or @Mutation, or pass the type name`);
}

function enforceScope(scope: ScopeName): MiddlewareFn<AccessContext> {
  return async ({ context, info }, next) => {
    if (!hasScope(context.principal, scope)) {
      context.access.recordForbidden({ type: info.parentType.name, field: info.fieldName, path: String(info.path.key) });
      // Recorded here: the field's policy around this check must not count it a second time.
      throw alreadyRecorded(missingScope(scope, `${info.parentType.name}.${info.fieldName}`));
    }
    return next();
  };
}

/** Every declared (type, field, scope) of root fields, for ACCESS.md and the scope tests. */
export function declaredScopes(): Array<{ type: string; field: string; scope: ScopeName }> {
  const out = [];
  for (const [type, fields] of fieldScopes) for (const [field, scope] of fields) out.push({ type, field, scope });
  return out.sort((a, b) => a.type.localeCompare(b.type) || a.field.localeCompare(b.field));
}

// Federation's own plumbing: the gateway asks for it, callers never do.
const FEDERATION_ROOTS = new Set(["Query._entities", "Query._service"]);

/** Root Query and Mutation fields of `schema` without a declared scope (should be none). */
export function fieldsWithoutScope(schema: GraphQLSchema): string[] {
  const missing: string[] = [];
  for (const root of [schema.getQueryType(), schema.getMutationType()]) {
    if (!root || !isObjectType(root)) continue;
    for (const field of Object.keys(root.getFields())) {
      const key = `${root.name}.${field}`;
      if (!FEDERATION_ROOTS.has(key) && !fieldScopes.get(root.name)?.has(field)) missing.push(key);
    }
  }
  return missing;
}

/** Throws, naming them, when any root Query or Mutation field of `name`'s schema lacks a scope. */
export function assertScopesDeclared(name: string, schema: GraphQLSchema): void {
  const missing = fieldsWithoutScope(schema);
  if (missing.length) {
    throw new Error(`Subgraph ${name} declares no scope (@NeedsScope) for ${missing.join(", ")}; see schema/src/scopes.ts`);
  }
}
