import type { Principal } from "@concord/schema";
import { INTERNAL_TOKEN_HEADER, signInternalToken } from "@concord/service-kit";
import { gql, type GqlResponse } from "./graphql-client";

/** The internal-token secret every test service and gateway shares. */
export const TEST_INTERNAL_SECRET = "concord-test-internal-secret-0123456789abcdef";

export const lenderPrincipal = (lenderId: string): Principal => ({ sub: `lender-user-${lenderId.slice(0, 8)}`, role: "lender", lenderId, scope: [] });
export const agencyPrincipal = (agencyId: string): Principal => ({ sub: `agency-user-${agencyId.slice(0, 8)}`, role: "agency", agencyId, scope: [] });
export const borrowerPrincipal = (borrowerId: string): Principal => ({ sub: `borrower-${borrowerId.slice(0, 8)}`, role: "borrower", borrowerId, scope: [] });
export const auditorPrincipal = (): Principal => ({ sub: "auditor-user", role: "auditor", scope: [] });

/** Headers a subgraph accepts: an internal token for `p`, as the gateway would sign it. */
export async function internalHeaders(p: Principal, secret = TEST_INTERNAL_SECRET): Promise<Record<string, string>> {
  return { [INTERNAL_TOKEN_HEADER]: await signInternalToken(p, secret) };
}

/** Calls a subgraph directly as `principal()` (both read lazily, at call time). */
export function subgraphCaller(url: () => string, principal: () => Principal) {
  return async <T = any>(query: string, variables?: Record<string, unknown>): Promise<GqlResponse<T>> =>
    gql<T>(url(), query, variables, await internalHeaders(principal()));
}
