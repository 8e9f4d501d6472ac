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

/** Keys from a JWKS file, re-read when a token names an unknown kid, at most once per cooldown. */
export function fileJwks(path: string, opts: JwksOptions = {}): JWTVerifyGetKey {
  const cooldown = opts.cooldownMs ?? 30_000;
  const load = () => createLocalJWKSet(JSON.parse(readFileSync(path, "utf8")) as JSONWebKeySet);
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
