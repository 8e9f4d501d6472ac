import { getNamedType, getNullableType, isListType, isObjectType, type GraphQLResolveInfo, type GraphQLSchema } from "graphql";
import { UseMiddleware, type MiddlewareFn } from "type-graphql";
import { ERROR_CODES, isScope, ROLES, roleMayHold, SUBSCRIPTIONS, type Principal, type Role, type ScopeName } from "@concord/schema";
import { ConcordError, notFound } from "../errors";
import type { RefusalSubject, RevealSubject } from "./audit-sink";

/**
 * Field-level authorization, declared once next to each field as a named policy.
 *
 * A policy says, for each role, what the caller sees of the field given its relationship to the
 * object the field belongs to. The object's relationships come from its type's scope (see
 * {@link Scope}). What a caller may not see comes back null with a FORBIDDEN error on the
 * field's path; the rest of the response still arrives.
 */

/** How a caller relates to an object. */
export type Relation =
  /** a lender, and the object is in its own portfolio */
  | "ownLender"
  /** a borrower, and the object is about itself */
  | "self"
  /** an agency with an ACTIVE placement of a case the object belongs to */
  | "activePlacement"
  /** an agency, and the object is its own (its agency record, agents, placements) */
  | "ownAgency"
  /** an agency with an approved home visit of the object's case whose window is open */
  | "homeVisitWindow"
  /** anyone with a valid token */
  | "anyone";

/**
 * What one role sees of a field. A `value` rule with `reveal` shows PII: every value it shows
 * is written to the audit log as a PII_REVEAL of (type, field, object).
 */
export type Rule =
  | { see: "never" }
  | { see: "value"; when: Relation; reveal?: boolean }
  | { see: "masked"; when: Relation; mask: (value: unknown) => unknown };

export interface PolicyDefinition {
  description: string;
  rules: Record<Role, Rule>;
}

/** The relationships of one object: whose portfolio, which borrower, which cases. */
export interface ObjectScope {
  lenderId?: string | null;
  borrowerId?: string | null;
  agencyId?: string | null;
  /** The collection cases the object belongs to (an agency's access follows its placements). */
  caseIds?: () => Promise<string[]>;
}

/** What a subgraph's context must offer for policies to be checked. */
export interface AccessContext {
  principal: Principal;
  access: {
    /** True when the calling agency holds an ACTIVE placement of one of `caseIds`. */
    agencyHoldsAny(caseIds: string[]): Promise<boolean>;
    /** True when the calling agency has an approved home visit window open now for one of `caseIds`. */
    visitWindowOpen(caseIds: string[]): Promise<boolean>;
    /** Records a refusal in the audit log (counted per type and field for the request). */
    recordForbidden(entry: RefusalSubject): void;
    /** Records a value of PII shown to the caller in the audit log. */
    recordReveal(entry: RevealSubject): void;
  };
}

const never: Rule = { see: "never" };
/** Options of {@link value}. */
export interface ValueOptions {
  /** Each value shown is a reveal of PII, audited per object. @default false */
  reveal?: boolean;
}
export const value = (when: Relation, opts: ValueOptions = {}): Rule => ({ see: "value", when, ...(opts.reveal ? { reveal: true } : {}) });
export const masked = (when: Relation, mask: (v: unknown) => unknown): Rule => ({ see: "masked", when, mask });
export const NEVER = never;

/**
 * The rules of a `Subscription` field: exactly the roles its entry in SUBSCRIPTIONS lists may
 * subscribe (the gateway enforces that list; what each event shows is then up to the payload's
 * own field policies, applied when the gateway resolves it).
 */
export function subscriberRules(field: string): Record<Role, Rule> {
  const declared = SUBSCRIPTIONS.find((s) => s.field === field);
  if (!declared) throw new Error(`Subscription.${field} has no entry in SUBSCRIPTIONS (schema/src/subscriptions.ts)`);
  return Object.fromEntries(ROLES.map((r) => [r, declared.roles.includes(r) ? value("anyone") : never])) as Record<Role, Rule>;
}

/** Declared policies by name; filled by {@link definePolicies}. */
const policies = new Map<string, PolicyDefinition>();
/** type -> field -> policy name; filled by {@link Policy}. */
const fieldPolicies = new Map<string, Map<string, string>>();
type ScopeFn = (obj: any, ctx: any) => ObjectScope | Promise<ObjectScope>;
/**
 * Scope functions by class, filled by {@link Scope}. Keyed by class rather than type name: two
 * subgraphs may each declare an entity of the same name (CollectionCase) with its own scope,
 * and tests run several subgraphs in one process.
 */
const scopesByClass = new WeakMap<object, ScopeFn>();
/** By type name, for objects that are not instances of their type's class. */
const scopes = new Map<string, ScopeFn>();

/** Registers named policies; a name is defined once. */
export function definePolicies<N extends string>(defs: Record<N, PolicyDefinition>): Record<N, N> {
  const names = {} as Record<N, N>;
  for (const [name, def] of Object.entries(defs) as Array<[N, PolicyDefinition]>) {
    if (policies.has(name) && policies.get(name) !== def) throw new Error(`Policy ${name} is defined twice`);
    policies.set(name, def);
    names[name] = name;
  }
  return names;
}

/** Declares how an object of this type relates to callers. */
export function Scope<T>(read: ScopeName, fn: (obj: T, ctx: any) => ObjectScope | Promise<ObjectScope>): ClassDecorator {
  if (!isScope(read)) throw new Error(`Unknown scope ${read} (see SCOPES in schema/src/scopes.ts)`);
  return (target) => {
    scopesByClass.set(target, fn);
    scopes.set(target.name, fn);
    readScopes.set(target.name, read);
  };
}

/** The name of the policy of ids and plumbing (see {@link PUBLIC}). */
const PUBLIC_POLICY = "public";

/**
 * The OAuth scope a caller's token must grant to read any field of a type but its ids and plumbing (the public policy), declared with its
 * relationships (`@Scope("borrowers:read", ...)`): what a root operation's scope lets a caller
 * reach through the graph is held to the scope of each type it reaches, so a token narrowed to
 * `agencies:read` reads agencies and nothing it could reach from them.
 */
const readScopes = new Map<string, ScopeName>();

/** Whether `principal` may use what needs `scope`: its token grants it and its role may hold it. */
export function hasScope(principal: Principal, scope: ScopeName): boolean {
  return principal.scope.includes(scope) && roleMayHold(principal.role, scope);
}

/** The FORBIDDEN error of a caller without `scope`, for `what` (Mutation.recordPayment, Borrower.fullName). */
export function missingScope(scope: ScopeName, what: string): ConcordError {
  return new ConcordError(ERROR_CODES.FORBIDDEN, `${what} needs the scope ${scope}, which your token does not grant`, { scope });
}

/** Every type's declared read scope, for ACCESS.md. */
export function declaredReadScopes(): Array<{ type: string; scope: ScopeName }> {
  return [...readScopes].map(([type, scope]) => ({ type, scope })).sort((a, b) => a.type.localeCompare(b.type));
}

/**
 * Declares the policy of a field and enforces it. On a property of an object type the type is
 * the class; on a field resolver of `XResolver` it is `X` unless `typeName` says otherwise.
 */
export function Policy(name: string, typeName?: string): PropertyDecorator & MethodDecorator {
  return (target: object, property: string | symbol, descriptor?: PropertyDescriptor) => {
    const cls = (target as { constructor: { name: string } }).constructor.name;
    register(typeName ?? cls.replace(/Resolver$/, ""), String(property), name);
    return (UseMiddleware(enforce(name)) as any)(target, property, descriptor);
  };
}

/** Declares a policy for a field that a resolver class adds to `typeName` (a @FieldResolver). */
export function register(typeName: string, field: string, policy: string): void {
  if (!policies.has(policy)) throw new Error(`Unknown policy ${policy} on ${typeName}.${field}`);
  const fields = fieldPolicies.get(typeName) ?? new Map<string, string>();
  fields.set(field, policy);
  fieldPolicies.set(typeName, fields);
}

/** The object a FORBIDDEN error refused, for the audit log only (callers never see it). */
const refusedObjects = new WeakMap<object, string>();
/** FORBIDDEN errors their thrower already recorded (under its own subject). */
const recorded = new WeakSet<object>();

/** Names, for the audit log only, the object `err` refused; returns `err`. */
export function refusing<E extends Error>(err: E, objectId: string | undefined): E {
  if (objectId) refusedObjects.set(err, objectId);
  return err;
}

/** Marks a FORBIDDEN error its thrower already recorded (a scope check), so no policy records it again; returns `err`. */
export function alreadyRecorded<E extends Error>(err: E): E {
  recorded.add(err);
  return err;
}

/** A FORBIDDEN error; `objectId` names the object refused in the audit log, never to the caller. */
export const forbidden = (what: string, objectId?: string) => refusing(new ConcordError("FORBIDDEN", `You may not see ${what}`), objectId);

/** NOT_FOUND errors that are refusals of an object the caller may not know exists. */
const hiddenRefusals = new WeakSet<object>();

/**
 * The refusal of an object the caller may not know exists: to the caller exactly what an unknown
 * `id` gets (`notFound(type, id)`, so pass the id as the caller sent it), to the audit log a
 * refusal naming `objectId` (the stored id; `id` when omitted).
 */
export function refusedAsNotFound(type: string, id: string, objectId?: string): ConcordError {
  const err = refusing(notFound(type, id), objectId ?? id);
  hiddenRefusals.add(err);
  return err;
}

/** A refusal the audit log records: a FORBIDDEN, or a NOT_FOUND that hides an object. */
const isRefusal = (err: unknown): err is Error =>
  err instanceof Error && ((err as { extensions?: { code?: unknown } }).extensions?.code === "FORBIDDEN" || hiddenRefusals.has(err));

function pathOf(info: GraphQLResolveInfo): string {
  const parts: Array<string | number> = [];
  for (let p: GraphQLResolveInfo["path"] | undefined = info.path; p; p = p.prev) parts.unshift(p.key);
  return parts.join(".");
}

/** Does `principal` stand in `relation` to the object with `scope`? */
export async function relates(relation: Relation, ctx: AccessContext, scope: ObjectScope): Promise<boolean> {
  const p = ctx.principal;
  switch (relation) {
    case "anyone":
      return true;
    case "ownLender":
      return p.role === "lender" && !!p.lenderId && p.lenderId === scope.lenderId;
    case "self":
      return p.role === "borrower" && !!p.borrowerId && p.borrowerId === scope.borrowerId;
    case "ownAgency":
      return p.role === "agency" && !!p.agencyId && p.agencyId === scope.agencyId;
    case "activePlacement":
      return p.role === "agency" && !!scope.caseIds && ctx.access.agencyHoldsAny(await scope.caseIds());
    case "homeVisitWindow":
      return p.role === "agency" && !!scope.caseIds && ctx.access.visitWindowOpen(await scope.caseIds());
  }
}

/** What the caller sees of a field under `policyName`: the value, a masked value, or nothing. */
export async function decide(
  policyName: string,
  ctx: AccessContext,
  typeName: string,
  obj: unknown,
): Promise<{ see: "value"; reveal?: boolean } | { see: "masked"; mask: (v: unknown) => unknown } | { see: "never" }> {
  const rule = policies.get(policyName)!.rules[ctx.principal.role];
  if (rule.see === "never") return rule;
  const seen = rule.see === "masked" ? rule : { see: "value" as const, reveal: rule.reveal };
  if (rule.when === "anyone") return seen;
  const byClass = obj ? scopesByClass.get((obj as object).constructor) : undefined;
  const scopeOf = byClass ?? scopes.get(typeName);
  if (!scopeOf) throw new Error(`Type ${typeName} has fields under policy ${policyName} but no @Scope`);
  const ok = await relates(rule.when, ctx, await scopeOf(obj, ctx));
  if (!ok) return { see: "never" };
  return seen;
}

/**
 * The one place a field's access is checked and audited: a field refused by its policy, and a
 * FORBIDDEN thrown by its resolver (a service's own rule), are recorded as refusals; a value
 * shown under a `reveal` rule is recorded as a PII reveal.
 */
function enforce(policyName: string): MiddlewareFn<AccessContext> {
  return async ({ root, context, info }, next) => {
    const objectId = (root as { id?: string } | undefined)?.id;
    const subject = () => ({ type: info.parentType.name, field: info.fieldName, path: pathOf(info) });
    // Ids and plumbing (the public policy) stay readable: the read scope guards the type's data.
    const read = policyName === PUBLIC_POLICY ? undefined : readScopes.get(info.parentType.name);
    if (read && !hasScope(context.principal, read)) {
      context.access.recordForbidden({ ...subject(), objectId });
      throw alreadyRecorded(missingScope(read, `${info.parentType.name}.${info.fieldName}`));
    }
    const decision = await decide(policyName, context, info.parentType.name, root);
    if (decision.see === "never") {
      context.access.recordForbidden({ ...subject(), objectId });
      throw forbidden(`${info.parentType.name}.${info.fieldName}`);
    }
    let result: unknown;
    try {
      result = await next();
    } catch (err) {
      if (isRefusal(err) && !recorded.has(err)) {
        context.access.recordForbidden({ ...subject(), objectId: objectId ?? refusedObjects.get(err) });
      }
      throw err;
    }
    if (result == null) return result;
    if (decision.see === "masked") return decision.mask(result);
    if (decision.reveal) {
      // Shown only when it can be audited: a reveal rule on a type without ids is a declaration error.
      if (!objectId) throw new Error(`${info.parentType.name}.${info.fieldName} is a reveal but its object has no id`);
      context.access.recordReveal({ ...subject(), objectId });
    }
    return result;
  };
}

/** Every declared (type, field, policy), for ACCESS.md and the matrix test. */
export function declaredFieldPolicies(): Array<{ type: string; field: string; policy: string; definition: PolicyDefinition }> {
  const out = [];
  for (const [type, fields] of fieldPolicies) {
    for (const [field, policy] of fields) out.push({ type, field, policy, definition: policies.get(policy)! });
  }
  return out.sort((a, b) => a.type.localeCompare(b.type) || a.field.localeCompare(b.field));
}

export function declaredPolicies(): Map<string, PolicyDefinition> {
  return policies;
}

/**
 * Masks a phone number down to its first two digits (the country code, or the start of it) and
 * its last four: +86 ****1234. Never more than six digits show, whatever the number's length.
 */
export function maskPhone(v: unknown): unknown {
  const digits = String(v).replace(/\D/g, "");
  return digits.length >= 10 ? `+${digits.slice(0, 2)} ****${digits.slice(-4)}` : "****";
}

/** Masks an e-mail address, keeping the first letter and the domain: w****@example.cn. */
export function maskEmail(v: unknown): unknown {
  const s = String(v);
  const at = s.lastIndexOf("@");
  return at > 0 ? `${s[0]}****${s.slice(at)}` : "****";
}

/** The policy of plumbing and of values whose parent field was already checked: anyone sees it. */
export const PUBLIC = definePolicies({
  public: {
    description: "Structure and values anyone holding a valid token may see (ids, lenders' names, connection plumbing, money value parts whose parent field was already checked).",
    rules: { lender: value("anyone"), agency: value("anyone"), borrower: value("anyone"), auditor: value("anyone") },
  },
}).public;

/** Options of {@link visibleOrNotFound}. */
export interface VisibleOptions {
  /**
   * Whether the caller knows the object exists though it may not see it now (an agency whose
   * placement of the case ended): it is then refused with FORBIDDEN rather than hidden.
   * @default the caller knows nothing it may not see
   */
  known?: () => Promise<boolean>;
}

/**
 * A root query's object by id, as the caller may know it, and the one rule for answering one:
 * - a role the policy never shows the type to is FORBIDDEN, whatever the id (so that answer
 *   tells nothing of whether the id exists);
 * - an object the caller stands in the policy's relationship to is returned;
 * - any other, like an id nothing has, is NOT_FOUND: `notFound(typeName, id)` for both, so a
 *   caller cannot tell someone else's object from no object (FORBIDDEN instead when
 *   `opts.known` says the caller knows it exists).
 * Every refusal of an object that exists is recorded in the audit log; the caller never sees
 * which it was.
 */
export async function visibleOrNotFound<T extends { id: string }>(
  ctx: AccessContext,
  policy: string,
  typeName: string,
  id: string,
  found: T | null | undefined,
  field: string,
  opts: VisibleOptions = {},
): Promise<T> {
  const refuse = (err: ConcordError) => {
    ctx.access.recordForbidden({ type: typeName, field, path: field, objectId: found?.id });
    recorded.add(err);
    return err;
  };
  if (policies.get(policy)!.rules[ctx.principal.role].see === "never") throw refuse(forbidden(typeName));
  if (!found) throw notFound(typeName, id);
  const d = await decide(policy, ctx, typeName, found);
  if (d.see !== "never") return found;
  throw refuse((await opts.known?.()) ? forbidden(`${typeName} ${id}`) : notFound(typeName, id));
}

/**
 * The rows of a list the caller may see: each row is kept when the caller may see an object of
 * `typeName` under `policy` (the rule its own root query, or its list field, applies), and
 * dropped silently otherwise, as a filtered query would never have selected it. Relationship
 * checks go through the request's DataLoaders, so a list of N rows costs no more statements
 * than a list of one.
 */
export async function visibleRows<T>(ctx: AccessContext, policy: string, typeName: string, rows: readonly T[]): Promise<T[]> {
  const seen = await Promise.all(rows.map((row) => decide(policy, ctx, typeName, row)));
  return rows.filter((_, i) => seen[i]!.see !== "never");
}

/**
 * How the rows of a list field are chosen for the caller: filtered by a policy (see
 * {@link Rows}), or selected for the caller by the resolver's own query, said in words.
 */
export type RowRule = { policy: string } | { selectedBy: string };

/** type -> field -> row rule; filled by {@link Rows}. */
const rowRules = new Map<string, Map<string, RowRule>>();

/**
 * Declares, on a field that returns a list of objects, which rows each caller gets, and
 * enforces it:
 * - `Rows(P.caseStatus)`: each row is shown only when the caller may see it under that policy
 *   (see {@link visibleRows}), the others are left out;
 * - `Rows({ selectedBy: "..." })`: the resolver's query already selects only the caller's rows
 *   (a keyset page cannot be filtered after the fact); the words say how, for the reader.
 * The type is the class (`XResolver` is `X`) unless `typeName` says otherwise, as for
 * {@link Policy}.
 */
export function Rows(rule: string | { selectedBy: string }, typeName?: string): PropertyDecorator & MethodDecorator {
  return (target: object, property: string | symbol, descriptor?: PropertyDescriptor) => {
    const cls = (target as { constructor: { name: string } }).constructor.name;
    const type = typeName ?? cls.replace(/Resolver$/, "");
    if (typeof rule === "string" && !policies.has(rule)) throw new Error(`Unknown policy ${rule} on the rows of ${type}.${String(property)}`);
    const fields = rowRules.get(type) ?? new Map<string, RowRule>();
    fields.set(String(property), typeof rule === "string" ? { policy: rule } : rule);
    rowRules.set(type, fields);
    if (typeof rule !== "string") return;
    return (UseMiddleware(filterRows(rule)) as any)(target, property, descriptor);
  };
}

function filterRows(policyName: string): MiddlewareFn<AccessContext> {
  return async ({ context, info }, next) => {
    const rows = await next();
    if (!Array.isArray(rows)) return rows;
    return visibleRows(context, policyName, getNamedType(info.returnType).name, rows);
  };
}

/** Every declared row rule, for the list check and the documentation. */
export function declaredRowRules(): Array<{ type: string; field: string; rule: RowRule }> {
  const out = [];
  for (const [type, fields] of rowRules) for (const [field, rule] of fields) out.push({ type, field, rule });
  return out.sort((a, b) => a.type.localeCompare(b.type) || a.field.localeCompare(b.field));
}

/** Fields of `schema` that return a list of objects and declare no {@link Rows} rule (should be none). */
export function listsWithoutRowRule(schema: GraphQLSchema): string[] {
  const declared = new Set(declaredRowRules().map((r) => `${r.type}.${r.field}`));
  const missing: string[] = [];
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith("__") || FEDERATION.has(type.name)) continue;
    for (const [name, field] of Object.entries(type.getFields())) {
      const key = `${type.name}.${name}`;
      if (FEDERATION.has(key) || declared.has(key)) continue;
      if (isListType(getNullableType(field.type)) && isObjectType(getNamedType(field.type))) missing.push(key);
    }
  }
  return missing;
}

// Federation's own plumbing, not part of the graph callers use through the gateway.
const FEDERATION = new Set(["_Service", "Query._service", "Query._entities"]);

/** Fields of `schema`'s object types that no policy was declared for (should be none). */
export function fieldsWithoutPolicy(schema: GraphQLSchema): string[] {
  const declared = new Set(declaredFieldPolicies().map((f) => `${f.type}.${f.field}`));
  const missing: string[] = [];
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith("__") || FEDERATION.has(type.name)) continue;
    for (const field of Object.keys(type.getFields())) {
      const key = `${type.name}.${field}`;
      if (!FEDERATION.has(key) && !declared.has(key)) missing.push(key);
    }
  }
  return missing;
}
