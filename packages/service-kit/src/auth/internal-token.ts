import { jwtVerify, SignJWT, errors as joseErrors, type JWTVerifyGetKey } from "jose";
import { ROLES, type Principal, type Role } from "@concord/schema";
import { ConcordError } from "../errors";
import type { InternalSigningKey } from "./internal-keys";

/** Header that carries the internal token from the gateway to a subgraph. */
export const INTERNAL_TOKEN_HEADER = "x-concord-principal";
/** Where the gateway publishes the public JWKS of its internal-token key (for `INTERNAL_JWKS_URL`). */
export const INTERNAL_JWKS_PATH = "/.well-known/concord-internal-jwks.json";
const ISSUER = "concord-gateway";
/** The only algorithm of internal tokens: asymmetric, so that verifying never enables signing. */
const ALGORITHM = "EdDSA";

/** Lifetime of an internal token, in seconds: long enough for one request, no more. */
export const INTERNAL_TOKEN_TTL_S = 60;

/** A request id as the gateway makes them (a UUID; at most 128 plain characters). */
const REQUEST_ID = /^[\w.:-]{1,128}$/;

/** Options of {@link signInternalToken}. */
export interface InternalTokenOptions {
  /** @default now */
  now?: Date;
  /** The gateway's own id of the request, carried as `rid`. */
  requestId?: string;
}

/**
 * Signs the principal for one call to one subgraph (EdDSA with the key only the gateway holds;
 * subgraphs hold its public half). `audience` is the name of the subgraph the call goes to, so
 * the token is refused by any other. `requestId`, the gateway's own id of the request, goes in
 * the `rid` claim: the id subgraphs log and audit under, which no caller chooses.
 */
export async function signInternalToken(p: Principal, signer: InternalSigningKey, audience: string, opts: InternalTokenOptions = {}): Promise<string> {
  const { now = new Date(), requestId } = opts;
  if (requestId !== undefined && !REQUEST_ID.test(requestId)) throw new Error("a request id is 1-128 letters, digits and . : _ -");
  const iat = Math.floor(now.getTime() / 1000);
  return new SignJWT({
    role: p.role,
    scope: p.scope.join(" "),
    ...(p.lenderId ? { lender_id: p.lenderId } : {}),
    ...(p.agencyId ? { agency_id: p.agencyId } : {}),
    ...(p.borrowerId ? { borrower_id: p.borrowerId } : {}),
    ...(requestId ? { rid: requestId } : {}),
  })
    .setProtectedHeader({ alg: ALGORITHM, kid: signer.kid, typ: "concord-internal+jwt" })
    .setSubject(p.sub)
    .setIssuer(ISSUER)
    .setAudience(audience)
    .setIssuedAt(iat)
    .setExpirationTime(iat + INTERNAL_TOKEN_TTL_S)
    .sign(signer.key);
}

const unauthenticated = (why: string) =>
  new ConcordError("UNAUTHENTICATED", `A valid internal token is required (${why})`, { http: { status: 401 } });

/** What a verified internal token says: who calls, and the gateway's id of the request. */
export interface InternalCaller {
  principal: Principal;
  /** The `rid` claim; null when the signer sent none. */
  requestId: string | null;
}

/** How a subgraph checks internal tokens. */
export interface InternalTokenVerification {
  /** The gateway's public keys (a JWKS: `fileJwks`, `remoteJwks`). Nothing here can sign. */
  getKey: JWTVerifyGetKey;
  /** This subgraph's name: the one `aud` it accepts. */
  audience: string;
}

/**
 * Verifies an internal token: EdDSA only, signed by a key of the gateway's JWKS, for this
 * subgraph, issued at most {@link INTERNAL_TOKEN_TTL_S} before it expires and not expired
 * (5 s skew). Anything else is UNAUTHENTICATED.
 */
export async function verifyInternalToken(token: string | undefined, v: InternalTokenVerification, now?: Date): Promise<InternalCaller> {
  if (!token) throw unauthenticated("none was sent");
  try {
    const { payload } = await jwtVerify(token, v.getKey, {
      algorithms: [ALGORITHM],
      issuer: ISSUER,
      audience: v.audience,
      typ: "concord-internal+jwt",
      requiredClaims: ["iat", "exp", "sub"],
      maxTokenAge: INTERNAL_TOKEN_TTL_S + 5,
      clockTolerance: 5,
      ...(now ? { currentDate: now } : {}),
    });
    // A token the gateway made lives one minute; one meant to live longer did not come from it.
    if (payload.exp! - payload.iat! > INTERNAL_TOKEN_TTL_S) throw unauthenticated("lives too long");
    const role = payload.role as Role;
    const rid = payload.rid;
    if (!ROLES.includes(role) || typeof payload.sub !== "string") throw unauthenticated("malformed claims");
    if (rid !== undefined && (typeof rid !== "string" || !REQUEST_ID.test(rid))) throw unauthenticated("malformed claims");
    return {
      principal: {
        sub: payload.sub,
        role,
        lenderId: payload.lender_id as string | undefined,
        agencyId: payload.agency_id as string | undefined,
        borrowerId: payload.borrower_id as string | undefined,
        scope: typeof payload.scope === "string" && payload.scope ? payload.scope.split(" ") : [],
      },
      requestId: rid ?? null,
    };
  } catch (err) {
    if (err instanceof ConcordError) throw err;
    if (err instanceof joseErrors.JWTExpired) throw unauthenticated("expired");
    if (err instanceof joseErrors.JWTClaimValidationFailed && err.claim === "aud") throw unauthenticated("made for another subgraph");
    throw unauthenticated("invalid");
  }
}
