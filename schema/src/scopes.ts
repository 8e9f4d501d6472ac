import { ROLES, type Role } from "./principal";

/**
 * The OAuth scopes of the graph, declared once: what each lets a token do and which roles may
 * hold it. Every root query, mutation and subscription names the one scope it needs next to its
 * declaration (`@NeedsScope` in a subgraph, `scope` in SUBSCRIPTIONS); schema/ACCESS.md lists
 * them. Scopes narrow what a role may do, never widen it: the field policies still decide what
 * a caller sees, and a scope a role may not hold is dropped from its tokens.
 *
 * A token without a `scope` claim gets its role's read scopes only, so a token minted for a
 * dashboard can never write or unmask contact details. Writes and `contact:reveal` must be asked
 * for by name. Each object type also names the read scope all its fields need (`@Scope(read, ...)`
 * in the subgraphs), so what a root operation reaches is held to the scopes of what it reaches.
 */

/** What a scope grants: reads are granted by default, writes and reveals only when claimed. */
export type ScopeKind = "read" | "write" | "reveal";

export interface ScopeDefinition {
  kind: ScopeKind;
  /** The roles whose tokens may carry it; anyone else's claim of it is dropped. */
  roles: readonly Role[];
  description: string;
}

const ALL = ROLES;

export const SCOPES = {
  "cases:read": {
    kind: "read",
    roles: ALL,
    description: "Read collection cases (the list, one case) and follow their updates (caseUpdated, myCaseUpdates).",
  },
  "cases:write": {
    kind: "write",
    roles: ["lender"],
    description: "Bring the lender's cases up to date for a business date (refreshDelinquency).",
  },
  "loans:read": {
    kind: "read",
    roles: ALL,
    description: "Read a loan by id.",
  },
  "borrowers:read": {
    kind: "read",
    // An auditor's policies show no borrower (auditors see aggregates), so it has no use for it.
    roles: ["lender", "agency", "borrower"],
    description: "Read a borrower by id.",
  },
  "payments:write": {
    kind: "write",
    roles: ["lender"],
    description: "Record a payment received against one of the lender's loans (recordPayment).",
  },
  "agencies:read": {
    kind: "read",
    roles: ["lender", "agency", "auditor"],
    description: "Read agencies (the list, one agency).",
  },
  "placements:read": {
    kind: "read",
    roles: ["lender", "agency", "auditor"],
    description: "Read a placement by id, and hear of new ones as they are placed (placementsReceived).",
  },
  "placements:write": {
    kind: "write",
    roles: ["lender", "agency"],
    description: "Place, allocate and recall the lender's cases; return a placement the agency holds.",
  },
  "visits:read": {
    kind: "read",
    roles: ["lender", "agency", "auditor"],
    description: "Read home-visit requests (one by id, the list).",
  },
  "visits:write": {
    kind: "write",
    roles: ["lender", "agency"],
    description: "Request, confirm, report and cancel home visits (an agency); approve, reject and cancel them (the lender).",
  },
  "contact:reveal": {
    kind: "reveal",
    roles: ["agency"],
    description: "Reveal a borrower's full phone or e-mail for one contact, audited (revealContact).",
  },
  "activities:read": {
    kind: "read",
    roles: ALL,
    description: "Read the contact activities of a case (CollectionCase.activities, activity): a borrower its outcomes only.",
  },
  "activities:write": {
    kind: "write",
    roles: ["lender", "agency"],
    description: "Report contact activities on a case: calls, messages, letters, visits and their outcomes (reportActivity); send a notice of the catalogue, recorded as an activity (sendNotice).",
  },
  "compliance:read": {
    kind: "read",
    roles: ["lender", "agency", "auditor"],
    description: "Ask whether a contact is allowed now and why not (contactPolicy), and read a lender's contact profile (contactProfile) and restructuring terms (restructuringTerms).",
  },
  "compliance:write": {
    kind: "write",
    roles: ["lender"],
    description: "Choose the lender's jurisdiction profile and tighten its parameters (setContactProfile).",
  },
  "protections:read": {
    kind: "read",
    roles: ALL,
    description: "Read a case's borrower protections (disputes, complaints, hardships, cease requests, contact preferences): the borrower its own, the lender its cases', an agency only that a hold or complaint exists and how it stands, auditors without PII or free text.",
  },
  "protections:write": {
    kind: "write",
    roles: ["borrower", "lender"],
    description: "Raise a dispute, ask to cease communication, set contact preferences (the borrower; the lender records one received in writing); resolve a dispute (the lender); declare a hardship (the borrower), decide and end one (the lender); file a complaint (the borrower; the lender records one received in writing), respond to one and mark it complex (the lender).",
  },
  "offers:read": {
    kind: "read",
    roles: ALL,
    description: "Read restructuring offers (offer, myOffers, CollectionCase.offers): the borrower those proposed to it, the lender its cases', an agency those of the cases it holds, auditors.",
  },
  "offers:write": {
    kind: "write",
    // The borrower rejects an offer proposed to it with the same operation the lender rejects one pending its approval.
    roles: ["lender", "agency", "borrower"],
    description: "Propose and withdraw restructuring offers (a lender on its cases, an agency within its placement's delegated authority); approve or reject one pending the lender's approval (the lender); reject one proposed to the borrower (the borrower).",
  },
  "offers:accept": {
    kind: "write",
    roles: ["borrower"],
    description: "Accept a restructuring offer proposed to the borrower (acceptOffer): it becomes the case's plan.",
  },
  "plans:read": {
    kind: "read",
    roles: ALL,
    description: "Read repayment plans (plan, CollectionCase.plans): the borrower its own, the lender its cases', an agency those of the cases it holds, auditors.",
  },
  "audit:read": {
    kind: "read",
    roles: ["auditor"],
    description: "Read the audit trail of every subgraph (auditEntries).",
  },
  "reports:read": {
    kind: "read",
    roles: ["lender", "auditor"],
    description: "Read the case report (caseReport): counts and sums by lender, status and bucket; a lender's own, an auditor's every lender's.",
  },
  "violations:read": {
    kind: "read",
    // An agency reads the violations of its own reports (the field policies say which).
    roles: ["lender", "agency", "auditor"],
    description: "Read the recorded breaches of the contact and visit rules (violations, complianceViolation) and follow them live (complianceAlerts): a lender's own cases', an agency's own reports', an auditor's all.",
  },
} as const satisfies Record<string, ScopeDefinition>;

export type ScopeName = keyof typeof SCOPES;

const NAMES = Object.keys(SCOPES) as ScopeName[];

export const isScope = (s: string): s is ScopeName => Object.hasOwn(SCOPES, s);

/** Whether `role`'s tokens may carry `scope` (false for a scope not in the catalogue). */
export function roleMayHold(role: Role, scope: string): boolean {
  return isScope(scope) && (SCOPES[scope].roles as readonly Role[]).includes(role);
}

/** Every scope `role` may hold, in catalogue order: what `npm run token` mints by default. */
export function roleScopes(role: Role): ScopeName[] {
  return NAMES.filter((s) => roleMayHold(role, s));
}

/** The scopes a token of `role` without a `scope` claim gets: its read scopes. */
export function readScopes(role: Role): ScopeName[] {
  return roleScopes(role).filter((s) => SCOPES[s].kind === "read");
}

/**
 * The scopes a caller of `role` has, from its token's `scope` claim: without a claim, the
 * role's read scopes; with one (space-separated, OAuth style), the claimed scopes the role may
 * hold, in catalogue order — unknown scopes and other roles' are dropped, never an error, since
 * an issuer may put scopes of other audiences in the same token. A claim that is not a string
 * grants nothing.
 */
export function effectiveScopes(role: Role, claim: unknown): ScopeName[] {
  if (claim === undefined) return readScopes(role);
  if (typeof claim !== "string") return [];
  const claimed = new Set(claim.split(" "));
  return roleScopes(role).filter((s) => claimed.has(s));
}

/** The scopes of `requested` that `role` may not hold (unknown ones included): empty when all may be minted. */
export function scopesRoleMayNotHold(role: Role, requested: readonly string[]): string[] {
  return requested.filter((s) => !roleMayHold(role, s));
}
