import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, type JsonWebKey, type KeyObject } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import type { JSONWebKeySet, JWK } from "jose";

/**
 * The gateway's key for internal tokens: an Ed25519 private key, which only the gateway holds,
 * and its public half, which the gateway publishes and the subgraphs verify with.
 */
export interface InternalSigningKey {
  /** The private key. */
  key: KeyObject;
  /** Key id in each token's header and in the published JWKS. */
  kid: string;
  /** The public key as a JWK (with `kid`, `alg: "EdDSA"`, `use: "sig"`): never a private part. */
  publicJwk: JWK;
}

/** RFC 7638 thumbprint of an Ed25519 public JWK: the default key id. */
function thumbprint(jwk: { crv?: string; x?: string }): string {
  return createHash("sha256").update(JSON.stringify({ crv: jwk.crv, kty: "OKP", x: jwk.x })).digest("base64url");
}

/**
 * An internal signing key from a private key: PKCS8 PEM text, a private JWK as JSON text (its
 * `kid` is kept; the thumbprint otherwise), or a KeyObject. Only Ed25519 is accepted; a public key
 * or a JWKS is refused, because neither can sign.
 */
export function internalSigningKey(source: string | KeyObject): InternalSigningKey {
  let key: KeyObject;
  let kid: string | undefined;
  if (typeof source !== "string") {
    key = source;
  } else if (source.trim().startsWith("-----BEGIN")) {
    if (/-----BEGIN PUBLIC KEY-----/.test(source)) throw new Error("is a public key, which cannot sign: give the gateway its private key (PKCS8 PEM)");
    key = createPrivateKey(source);
  } else {
    let jwk: JWK & { keys?: unknown };
    try {
      jwk = JSON.parse(source) as JWK & { keys?: unknown };
    } catch {
      throw new Error("is neither a PKCS8 PEM private key nor a JWK (JSON)");
    }
    if (jwk.keys !== undefined) throw new Error("is a JWKS: give the gateway its one private JWK (the JWKS is what subgraphs hold)");
    if (typeof jwk.d !== "string") throw new Error("holds no private key (a public key cannot sign)");
    kid = typeof jwk.kid === "string" && jwk.kid ? jwk.kid : undefined;
    key = createPrivateKey({ key: jwk as JsonWebKey, format: "jwk" });
  }
  if (key.type !== "private") throw new Error("is not a private key");
  if (key.asymmetricKeyType !== "ed25519") throw new Error(`is a ${key.asymmetricKeyType ?? "non-asymmetric"} key; internal tokens are EdDSA, with an Ed25519 key`);
  const pub = createPublicKey(key).export({ format: "jwk" }) as { kty: string; crv: string; x: string };
  kid ??= thumbprint(pub);
  return { key, kid, publicJwk: { kty: pub.kty, crv: pub.crv, x: pub.x, kid, alg: "EdDSA", use: "sig" } };
}

/** A new Ed25519 internal signing key (in memory only). */
export function generateInternalSigningKey(): InternalSigningKey {
  return internalSigningKey(generateKeyPairSync("ed25519").privateKey);
}

/** The key as a private JWK, JSON: what {@link writeInternalSigningKey} stores. */
function privateJwkText(k: InternalSigningKey): string {
  return JSON.stringify({ ...(k.key.export({ format: "jwk" }) as JWK), kid: k.kid, alg: "EdDSA" });
}

/**
 * Reads the gateway's internal signing key from `path` (a private JWK or a PKCS8 PEM). With
 * `generate`, a missing file is first created with a new key (mode 0600): the first start of a
 * deployment that keeps the key in a volume only the gateway mounts. Errors name the file.
 */
export function readInternalSigningKey(path: string, opts: { generate?: boolean } = {}): { key: InternalSigningKey; generated: boolean } {
  let generated = false;
  if (opts.generate && !existsSync(path)) {
    mkdirSync(dirname(path), { recursive: true });
    try {
      writeFileSync(path, privateJwkText(generateInternalSigningKey()), { mode: 0o600, flag: "wx" });
      generated = true;
    } catch (err) {
      // Another instance wrote it first: use theirs.
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw new Error(`Cannot create the internal signing key ${path}: ${(err as Error).message}`);
    }
  }
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    throw new Error(`Cannot read the internal signing key ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  try {
    return { key: internalSigningKey(text), generated };
  } catch (err) {
    throw new Error(`The internal signing key ${path} ${(err as Error).message}`);
  }
}

/** The public JWKS of `keys`: what the gateway serves and the subgraphs hold. */
export function internalJwks(keys: readonly InternalSigningKey[]): JSONWebKeySet {
  return { keys: keys.map((k) => k.publicJwk) };
}

/** Where {@link devInternalKeys} keeps the development pair. */
export interface DevInternalKeys {
  /** The gateway's private key (a private JWK, mode 0600). */
  signingKeyPath: string;
  /** Its public JWKS, which the subgraphs read. */
  jwksPath: string;
}

/**
 * The internal-token key pair for development, kept in `<dataDir>/internal-keys/` so that the
 * gateway and the subgraphs `npm start` runs share it: the gateway reads the private key, the
 * subgraphs only the public JWKS. Created when missing, whole or not at all (written to a
 * folder of its own, then renamed into place), so processes starting at once agree on one pair.
 * Never used with NODE_ENV=production.
 */
export function devInternalKeys(dataDir: string): DevInternalKeys {
  const dir = join(dataDir, "internal-keys");
  const paths = { signingKeyPath: join(dir, "signing-key.jwk.json"), jwksPath: join(dir, "jwks.json") };
  if (existsSync(paths.jwksPath)) return paths;
  mkdirSync(dataDir, { recursive: true });
  const tmp = join(dataDir, `.internal-keys-${process.pid}-${randomBytes(4).toString("hex")}`);
  mkdirSync(tmp, { mode: 0o700 });
  try {
    const key = generateInternalSigningKey();
    writeFileSync(join(tmp, "signing-key.jwk.json"), privateJwkText(key), { mode: 0o600 });
    writeFileSync(join(tmp, "jwks.json"), JSON.stringify(internalJwks([key]), null, 2));
    renameSync(tmp, dir);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    // Someone else's pair got there first (rename onto a non-empty folder fails): keep theirs.
    if (code !== "EEXIST" && code !== "ENOTEMPTY") throw err;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  return paths;
}
