import { errors, jwtVerify, type JWTVerifyGetKey } from "jose";
import { effectiveScopes, ROLE_ID_CLAIM, ROLES, type Principal, type Role } from "@concord/schema";
import { ConcordError, isUuid, withArticle } from "@concord/service-kit";

/** The only algorithms a caller's token may use: never `none`, never HMAC. */
export const CALLER_ALGORITHMS = ["RS256", "ES256", "EdDSA"];

/** How callers' tokens are checked. */
export interface CallerVerification {
  getKey: JWTVerifyGetKey;
  issuer: string;
  audience: string;
  /** Allowed clock skew in seconds. @default 30 */
  clockToleranceS?: number;
  /**
   * Longest lifetime a token may claim, in seconds: `exp - iat`, or `exp - now` for a token
   * without `iat` (a token whose `iat` is ahead of the clock counts from now). A long-lived token
   * is a standing credential, and a stolen one would stay good for that long. @default 24 hours
   */
  maxLifetimeS?: number;
}

/** Default of {@link CallerVerification.maxLifetimeS}. */
export const CALLER_TOKEN_MAX_LIFETIME_S = 24 * 3600;

export const unauthenticated = (message: string) => new ConcordError("UNAUTHENTICATED", message, { http: { status: 401 } });

/**
 * Verifies a caller's bearer token (signature against the JWKS, allow-listed algorithm, iss,
 * aud, exp and nbf with a small skew, a lifetime within the maximum) and reads the principal: a
 * known role, exactly the id claim that goes with it, and its effective scopes (see
 * `effectiveScopes`), which subgraphs receive in the internal token.
 */
export async function verifyCaller(token: string, v: CallerVerification): Promise<Principal> {
  return (await verifyCallerToken(token, v)).principal;
}

/** {@link verifyCaller}, also telling when the token expires (a WebSocket is closed then). */
export async function verifyCallerToken(token: string, v: CallerVerification): Promise<{ principal: Principal; expiresAt: Date }> {
  let payload: Record<string, unknown>;
  try {
    ({ payload } = await jwtVerify(token, v.getKey, {
      algorithms: CALLER_ALGORITHMS,
      issuer: v.issuer,
      audience: v.audience,
      clockTolerance: v.clockToleranceS ?? 30,
      requiredClaims: ["sub", "exp"],
    }));
  } catch (err) {
    if (err instanceof errors.JWTExpired) throw unauthenticated("The token has expired");
    if (err instanceof errors.JWTClaimValidationFailed) throw unauthenticated(`The token's ${err.claim} claim is not accepted`);
    throw unauthenticated("The token is not valid");
  }
  const maxLifetimeS = v.maxLifetimeS ?? CALLER_TOKEN_MAX_LIFETIME_S;
  const now = Math.floor(Date.now() / 1000);
  const from = typeof payload.iat === "number" ? Math.min(payload.iat, now) : now;
  if (Number(payload.exp) - from > maxLifetimeS) {
    throw unauthenticated(`The token lives longer than the ${+(maxLifetimeS / 3600).toFixed(2)} hours this gateway accepts; ask for a shorter-lived one`);
  }
  const role = payload.role as Role;
  if (!ROLES.includes(role)) throw unauthenticated("The token has no valid role");
  const idClaim = ROLE_ID_CLAIM[role];
  for (const claim of ["lender_id", "agency_id", "borrower_id"] as const) {
    const present = payload[claim] !== undefined;
    if (claim === idClaim && (typeof payload[claim] !== "string" || !isUuid(payload[claim] as string))) {
      throw unauthenticated(`${withArticle(role, { capital: true })} token must carry ${claim} (a UUID)`);
    }
    if (claim !== idClaim && present) throw unauthenticated(`${withArticle(role, { capital: true })} token must not carry ${claim}`);
  }
  // What the caller may do: the claimed scopes its role may hold, or only its read scopes without a claim.
  const scope = effectiveScopes(role, payload.scope);
  const principal: Principal = {
    sub: String(payload.sub),
    role,
    // Ids compare as the database prints them: lower case.
    ...(idClaim === "lender_id" ? { lenderId: String(payload.lender_id).toLowerCase() } : {}),
    ...(idClaim === "agency_id" ? { agencyId: String(payload.agency_id).toLowerCase() } : {}),
    ...(idClaim === "borrower_id" ? { borrowerId: String(payload.borrower_id).toLowerCase() } : {}),
    scope,
  };
  return { principal, expiresAt: new Date(Number(payload.exp) * 1000) };
}

/** The bearer token of an Authorization header, or undefined. */
export function bearer(header: string | undefined): string | undefined {
  const m = /^Bearer\s+([A-Za-z0-9._~+/-]+=*)$/i.exec(header?.trim() ?? "");
  return m?.[1];
}
