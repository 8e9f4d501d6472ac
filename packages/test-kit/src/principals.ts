import { createLocalJWKSet, type JSONWebKeySet, type JWTVerifyGetKey } from "jose";
import { roleScopes, type Principal } from "@concord/schema";
import {
  generateInternalSigningKey,
  INTERNAL_TOKEN_HEADER,
  internalJwks,
  signInternalToken,
  type InternalSigningKey,
  type InternalTokenOptions,
} from "@concord/service-kit";
import { gql, type GqlResponse } from "./graphql-client";

/**
 * The gateway's internal-token key in tests: a fresh Ed25519 key per test process, never
 * written anywhere. Test gateways sign with it; test subgraphs hold only {@link TEST_INTERNAL_JWKS}.
 */
export const TEST_INTERNAL_KEY: InternalSigningKey = generateInternalSigningKey();
/** The public JWKS of {@link TEST_INTERNAL_KEY}: a test subgraph's whole key configuration. */
export const TEST_INTERNAL_JWKS: JSONWebKeySet = internalJwks([TEST_INTERNAL_KEY]);
/** A key resolver over {@link TEST_INTERNAL_JWKS}, for a subgraph's `gatewayKeys`. */
export const TEST_GATEWAY_KEYS: JWTVerifyGetKey = createLocalJWKSet(TEST_INTERNAL_JWKS);

// Each holds every scope its role may hold: tests of what a role may do are not about scopes
// (narrow a principal's `scope` to test those).
export const lenderPrincipal = (lenderId: string): Principal => ({ sub: `lender-user-${lenderId.slice(0, 8)}`, role: "lender", lenderId, scope: roleScopes("lender") });
export const agencyPrincipal = (agencyId: string): Principal => ({ sub: `agency-user-${agencyId.slice(0, 8)}`, role: "agency", agencyId, scope: roleScopes("agency") });
export const borrowerPrincipal = (borrowerId: string): Principal => ({ sub: `borrower-${borrowerId.slice(0, 8)}`, role: "borrower", borrowerId, scope: roleScopes("borrower") });
export const auditorPrincipal = (): Principal => ({ sub: "auditor-user", role: "auditor", scope: roleScopes("auditor") });

/** An internal token for `p` to the subgraph named `subgraph`, as the gateway would sign it. */
export function internalToken(p: Principal, subgraph: string, opts: InternalTokenOptions & { key?: InternalSigningKey } = {}): Promise<string> {
  return signInternalToken(p, opts.key ?? TEST_INTERNAL_KEY, subgraph, opts);
}

/** Headers the subgraph named `subgraph` accepts: an internal token for `p`, as the gateway would sign it. */
export async function internalHeaders(p: Principal, subgraph: string, opts: InternalTokenOptions & { key?: InternalSigningKey } = {}): Promise<Record<string, string>> {
  return { [INTERNAL_TOKEN_HEADER]: await internalToken(p, subgraph, opts) };
}

/** Calls the subgraph named `subgraph` directly as `principal()` (url and principal read lazily, at call time). */
export function subgraphCaller(subgraph: string, url: () => string, principal: () => Principal) {
  return async <T = any>(query: string, variables?: Record<string, unknown>): Promise<GqlResponse<T>> =>
    gql<T>(url(), query, variables, await internalHeaders(principal(), subgraph));
}
