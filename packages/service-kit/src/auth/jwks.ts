import { readFileSync } from "node:fs";
import { createLocalJWKSet, createRemoteJWKSet, errors, type JSONWebKeySet, type JWTVerifyGetKey } from "jose";

/** Options shared by both key sources. */
export interface JwksOptions {
  /** Shortest time between two refetches caused by an unknown kid, in ms. @default 30000 */
  cooldownMs?: number;
}

/**
 * Keys from a JWKS URL: cached, and refetched when a token names a kid the cache does not hold
 * (key rotation), at most once per cooldown.
 */
export function remoteJwks(url: string, opts: JwksOptions = {}): JWTVerifyGetKey {
  return createRemoteJWKSet(new URL(url), { cooldownDuration: opts.cooldownMs ?? 30_000, cacheMaxAge: 10 * 60_000 });
}

/**
 * `jwks` when it holds public keys only. A verifier needs nothing more, and a private or
 * symmetric key in its configuration would let it sign: refused, naming `where`.
 */
export function publicJwks(jwks: unknown, where: string): JSONWebKeySet {
  const keys = (jwks as { keys?: unknown } | null)?.keys;
  if (!Array.isArray(keys)) throw new Error(`${where} is not a JWKS (no "keys" array)`);
  for (const k of keys as Array<Record<string, unknown>>) {
    if (k?.d !== undefined || k?.k !== undefined || k?.kty === "oct") {
      throw new Error(`${where} holds private or symmetric key material (kid ${String(k.kid ?? "?")}): publish public keys only`);
    }
  }
  return jwks as JSONWebKeySet;
}

/**
 * Keys from a JWKS file, re-read when a token names an unknown kid, at most once per cooldown.
 * A file that cannot be read or holds anything but public keys throws (at once, then on re-read).
 */
export function fileJwks(path: string, opts: JwksOptions = {}): JWTVerifyGetKey {
  const cooldown = opts.cooldownMs ?? 30_000;
  const load = () => {
    let text: string;
    try {
      text = readFileSync(path, "utf8");
    } catch (err) {
      throw new Error(`Cannot read the JWKS ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new Error(`The JWKS ${path} is not JSON`);
    }
    return createLocalJWKSet(publicJwks(parsed, `The JWKS ${path}`));
  };
  let keys = load();
  let loadedAt = Date.now();
  return async (header, token) => {
    try {
      return await keys(header, token);
    } catch (err) {
      if (!(err instanceof errors.JWKSNoMatchingKey) || Date.now() - loadedAt < cooldown) throw err;
      keys = load();
      loadedAt = Date.now();
      return keys(header, token);
    }
  };
}

/** Keys from a JWKS held in memory (public keys only, as for {@link fileJwks}). */
export function localJwks(jwks: JSONWebKeySet): JWTVerifyGetKey {
  return createLocalJWKSet(publicJwks(jwks, "The JWKS"));
}
