import { calculateJwkThumbprint, createLocalJWKSet, exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JSONWebKeySet, type JWK, type JWTVerifyGetKey } from "jose";
import { ROLES, roleScopes, type Role } from "@concord/schema";

export const TEST_ISSUER = "https://issuer.concord.test";
export const TEST_AUDIENCE = "concord";

export interface TokenClaims {
  role: Role | string;
  sub?: string;
  lender_id?: string;
  agency_id?: string;
  borrower_id?: string;
  /**
   * The `scope` claim. Left out, the token carries every scope its role may hold (tests of what
   * a role may do are not about scopes); `undefined` or `null` given explicitly mints a token
   * with no `scope` claim (its role's read scopes only); a string is the claim as it is.
   */
  scope?: string | null;
  [claim: string]: unknown;
}

export interface MintOptions {
  issuer?: string;
  audience?: string;
  /** Seconds from now; negative for an expired token. @default 600 */
  expiresIn?: number;
  /** Seconds from now the token becomes valid. */
  notBefore?: number;
  /** Leave out `iat` (its lifetime then counts from now). @default false */
  noIssuedAt?: boolean;
  /** Sign with this key instead of the issuer's current one. */
  key?: { privateKey: CryptoKey; kid: string; alg: string };
}

/** An issuer of caller tokens for tests: real keys, a real JWKS, rotation on demand. */
export interface TestIssuer {
  /** The JWKS as the issuer publishes it now. */
  jwks(): JSONWebKeySet;
  /** A key resolver over the current JWKS, for the gateway. */
  getKey: JWTVerifyGetKey;
  /** A caller token; without `claims.scope`, with every scope of its role (see {@link TokenClaims.scope}). */
  mint(claims: TokenClaims, opts?: MintOptions): Promise<string>;
  /** Adds a new signing key (the old one stays published) and signs with it from now on. */
  rotate(): Promise<void>;
  /** A key pair this issuer never published. */
  foreignKey(): Promise<{ privateKey: CryptoKey; kid: string; alg: string; publicJwk: JWK }>;
}

async function newKey(alg = "ES256") {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const publicJwk = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(publicJwk);
  return { privateKey, kid, alg, publicJwk: { ...publicJwk, kid, alg, use: "sig" } };
}

export async function createTestIssuer(): Promise<TestIssuer> {
  const keys = [await newKey()];
  let current = keys[0]!;
  const jwks = () => ({ keys: keys.map((k) => k.publicJwk) });
  return {
    jwks,
    getKey: (header, token) => createLocalJWKSet(jwks())(header, token),
    async mint(claims, opts = {}) {
      const key = opts.key ?? current;
      const now = Math.floor(Date.now() / 1000);
      const { sub, scope, ...rest } = claims;
      const claimed = Object.hasOwn(claims, "scope") ? scope : ROLES.includes(claims.role as Role) ? roleScopes(claims.role as Role).join(" ") : undefined;
      let jwt = new SignJWT(claimed == null ? rest : { ...rest, scope: claimed })
        .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: "JWT" })
        .setIssuer(opts.issuer ?? TEST_ISSUER)
        .setAudience(opts.audience ?? TEST_AUDIENCE)
        .setSubject(sub ?? `user-${claims.role}`)
        .setExpirationTime(now + (opts.expiresIn ?? 600));
      if (!opts.noIssuedAt) jwt = jwt.setIssuedAt(now);
      if (opts.notBefore !== undefined) jwt = jwt.setNotBefore(now + opts.notBefore);
      return jwt.sign(key.privateKey);
    },
    async rotate() {
      current = await newKey();
      keys.push(current);
    },
    foreignKey: () => newKey(),
  };
}
