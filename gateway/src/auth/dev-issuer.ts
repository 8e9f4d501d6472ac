import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, SignJWT, type JWK } from "jose";
import { roleScopes, scopesRoleMayNotHold, type Role } from "@concord/schema";

/**
 * The development issuer: an Ed25519 key pair kept under `<dataDir>/dev-issuer/`, whose public
 * JWKS the gateway trusts outside production. Never used with NODE_ENV=production.
 */
export interface DevIssuer {
  /** Path of the public JWKS file. */
  jwksPath: string;
  issuer: string;
  audience: string;
  /**
   * Mints a caller token carrying every scope its role may hold, or only `claims.scope`;
   * throws, naming them, when that asks for scopes the role may not hold.
   */
  mint(claims: DevClaims, ttlSeconds?: number): Promise<string>;
}

export interface DevClaims {
  role: Role;
  sub?: string;
  lenderId?: string;
  agencyId?: string;
  borrowerId?: string;
  /** Space-separated scopes to narrow the token to. @default every scope the role may hold */
  scope?: string;
}

/** The `scope` claim the development issuer mints for `role`: its full set, or the narrowed one. */
export function devScopeClaim(role: Role, scope?: string): string {
  if (scope === undefined) return roleScopes(role).join(" ");
  const requested = scope.split(" ").filter(Boolean);
  const refused = scopesRoleMayNotHold(role, requested);
  if (refused.length) {
    throw new Error(`The ${role} role may not hold ${refused.join(", ")}; it may hold: ${roleScopes(role).join(" ")}`);
  }
  return [...new Set(requested)].join(" ");
}

export async function loadDevIssuer(dataDir: string, issuer: string, audience: string): Promise<DevIssuer> {
  const dir = join(dataDir, "dev-issuer");
  const privatePath = join(dir, "private.jwk.json");
  const jwksPath = join(dir, "jwks.json");
  if (!existsSync(privatePath)) {
    mkdirSync(dir, { recursive: true });
    const { privateKey, publicKey } = await generateKeyPair("EdDSA", { crv: "Ed25519", extractable: true });
    const pub = await exportJWK(publicKey);
    const kid = await calculateJwkThumbprint(pub);
    writeFileSync(privatePath, JSON.stringify({ ...(await exportJWK(privateKey)), kid, alg: "EdDSA" }), { mode: 0o600 });
    writeFileSync(jwksPath, JSON.stringify({ keys: [{ ...pub, kid, alg: "EdDSA", use: "sig" }] }, null, 2));
  }
  const jwk = JSON.parse(readFileSync(privatePath, "utf8")) as JWK & { kid: string };
  const key = await importJWK(jwk, "EdDSA");
  return {
    jwksPath,
    issuer,
    audience,
    async mint(c, ttlSeconds = 12 * 3600) {
      const scope = devScopeClaim(c.role, c.scope);
      return new SignJWT({
        role: c.role,
        ...(c.lenderId ? { lender_id: c.lenderId } : {}),
        ...(c.agencyId ? { agency_id: c.agencyId } : {}),
        ...(c.borrowerId ? { borrower_id: c.borrowerId } : {}),
        scope,
      })
        .setProtectedHeader({ alg: "EdDSA", kid: jwk.kid, typ: "JWT" })
        .setIssuer(issuer)
        .setAudience(audience)
        .setSubject(c.sub ?? `dev-${c.role}`)
        .setIssuedAt()
        .setExpirationTime(Math.floor(Date.now() / 1000) + ttlSeconds)
        .sign(key);
    },
  };
}

