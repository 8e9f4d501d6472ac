import { jwtVerify, SignJWT, errors as joseErrors } from "jose";
import { ROLES, type Principal, type Role } from "@concord/schema";
import { ConcordError } from "../errors";

/** Header that carries the internal token from the gateway to a subgraph. */
export const INTERNAL_TOKEN_HEADER = "x-concord-principal";
const ISSUER = "concord-gateway";
const AUDIENCE = "concord-subgraphs";

/** Lifetime of an internal token, in seconds: long enough for one request, no more. */
export const INTERNAL_TOKEN_TTL_S = 60;

function keyOf(secret: string): Uint8Array {
  if (Buffer.byteLength(secret) < 32) throw new Error("INTERNAL_TOKEN_SECRET must be at least 32 bytes");
  return new TextEncoder().encode(secret);
}

/** A request id as the gateway makes them (a UUID; at most 128 plain characters). */
const REQUEST_ID = /^[\w.:-]{1,128}$/;

/**
 * Signs the principal for one call to a subgraph (HS256 with the secret only the gateway and
 * the subgraphs share; callers' tokens never use HMAC). `requestId`, the gateway's own id of the
 * request, goes in the `rid` claim: the id subgraphs log and audit under, which no caller chooses.
 */
export async function signInternalToken(p: Principal, secret: string, now = new Date(), requestId?: string): Promise<string> {
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
    .setProtectedHeader({ alg: "HS256", typ: "concord-internal+jwt" })
    .setSubject(p.sub)
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setIssuedAt(iat)
    .setExpirationTime(iat + INTERNAL_TOKEN_TTL_S)
    .sign(keyOf(secret));
}

const unauthenticated = (why: string) =>
  new ConcordError("UNAUTHENTICATED", `A valid internal token is required (${why})`, { http: { status: 401 } });

/** What a verified internal token says: who calls, and the gateway's id of the request. */
export interface InternalCaller {
  principal: Principal;
  /** The `rid` claim; null when the signer sent none. */
  requestId: string | null;
}

/** Verifies an internal token; anything else is UNAUTHENTICATED. */
export async function verifyInternalToken(token: string | undefined, secret: string, now?: Date): Promise<InternalCaller> {
  if (!token) throw unauthenticated("none was sent");
  try {
    const { payload } = await jwtVerify(token, keyOf(secret), {
      algorithms: ["HS256"],
      issuer: ISSUER,
      audience: AUDIENCE,
      typ: "concord-internal+jwt",
      maxTokenAge: INTERNAL_TOKEN_TTL_S + 5,
      clockTolerance: 5,
      ...(now ? { currentDate: now } : {}),
    });
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
    throw unauthenticated("invalid");
  }
}
