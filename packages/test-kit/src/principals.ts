import { roleScopes, type Principal } from "@concord/schema";
import { INTERNAL_TOKEN_HEADER, signInternalToken } from "@concord/service-kit";
import { gql, type GqlResponse } from "./graphql-client";

/** The internal-token secret every test service and gateway shares. */
export const TEST_INTERNAL_SECRET = "concord-test-internal-secret-0123456789abcdef";

// Each holds every scope its role may hold: tests of what a role may do are not about scopes
// (narrow a principal's `scope` to test those).
export const lenderPrincipal = (lenderId: string): Principal => ({ sub: `lender-user-${lenderId.slice(0, 8)}`, role: "lender", lenderId, scope: roleScopes("lender") });
export const agencyPrincipal = (agencyId: string): Principal => ({ sub: `agency-user-${agencyId.slice(0, 8)}`, role: "agency", agencyId, scope: roleScopes("agency") });
export const borrowerPrincipal = (borrowerId: string): Principal => ({ sub: `borrower-${borrowerId.slice(0, 8)}`, role: "borrower", borrowerId, scope: roleScopes("borrower") });
export const auditorPrincipal = (): Principal => ({ sub: "auditor-user", role: "auditor", scope: roleScopes("auditor") });

/** Headers a subgraph accepts: an internal token for `p`, as the gateway would sign it. */
export async function internalHeaders(p: Principal, secret = TEST_INTERNAL_SECRET): Promise<Record<string, string>> {
  return { [INTERNAL_TOKEN_HEADER]: await signInternalToken(p, secret) };
}

/** Calls a subgraph directly as `principal()` (both read lazily, at call time). */
export function subgraphCaller(url: () => string, principal: () => Principal) {
  return async <T = any>(query: string, variables?: Record<string, unknown>): Promise<GqlResponse<T>> =>
    gql<T>(url(), query, variables, await internalHeaders(principal()));
}
