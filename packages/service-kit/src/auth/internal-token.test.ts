import { generateKeyPairSync } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createLocalJWKSet, decodeJwt, decodeProtectedHeader, importJWK, SignJWT } from "jose";
import type { Principal } from "@concord/schema";
import { devInternalKeys, generateInternalSigningKey, internalJwks, internalSigningKey, readInternalSigningKey } from "./internal-keys";
import { fileJwks, localJwks, publicJwks } from "./jwks";
import { INTERNAL_TOKEN_TTL_S, signInternalToken, verifyInternalToken } from "./internal-token";

const KEY = generateInternalSigningKey();
const loans = { getKey: createLocalJWKSet(internalJwks([KEY])), audience: "loans" };
const lender: Principal = { sub: "u1", role: "lender", lenderId: "L1", scope: ["cases:read"] };
const refused = { extensions: { code: "UNAUTHENTICATED" } };
const dirs: string[] = [];
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), "concord-internal-keys-"));
  dirs.push(d);
  return d;
};
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe("internal tokens", () => {
  it("are EdDSA with the key's kid, for one subgraph, one minute long, and carry the request id in `rid`", async () => {
    const token = await signInternalToken(lender, KEY, "loans", { requestId: "0b7c6a52-2f43-4f0e-9d6a-1c2b3d4e5f60" });
    expect(decodeProtectedHeader(token)).toMatchObject({ alg: "EdDSA", kid: KEY.kid });
    const claims = decodeJwt(token);
    expect(claims).toMatchObject({ aud: "loans", rid: "0b7c6a52-2f43-4f0e-9d6a-1c2b3d4e5f60" });
    expect(claims.exp! - claims.iat!).toBe(INTERNAL_TOKEN_TTL_S);
    expect(await verifyInternalToken(token, loans)).toEqual({
      principal: { sub: "u1", role: "lender", lenderId: "L1", agencyId: undefined, borrowerId: undefined, scope: ["cases:read"] },
      requestId: "0b7c6a52-2f43-4f0e-9d6a-1c2b3d4e5f60",
    });
  });

  it("without one, verify to a null request id", async () => {
    const token = await signInternalToken(lender, KEY, "loans");
    expect(decodeJwt(token).rid).toBeUndefined();
    expect((await verifyInternalToken(token, loans)).requestId).toBeNull();
  });

  it("refuse to carry a request id that is not plain", async () => {
    await expect(signInternalToken(lender, KEY, "loans", { requestId: "a b\nc" })).rejects.toThrow(/request id/);
    await expect(signInternalToken(lender, KEY, "loans", { requestId: "x".repeat(129) })).rejects.toThrow(/request id/);
  });

  it("are refused by any other subgraph", async () => {
    const token = await signInternalToken(lender, KEY, "loans");
    await expect(verifyInternalToken(token, { ...loans, audience: "agencies" })).rejects.toMatchObject(refused);
  });

  it("are refused when expired, or issued to live longer than a minute", async () => {
    const old = await signInternalToken(lender, KEY, "loans", { now: new Date(Date.now() - 2 * 60_000) });
    await expect(verifyInternalToken(old, loans)).rejects.toMatchObject({ message: expect.stringContaining("expired") });
    const now = Math.floor(Date.now() / 1000);
    const long = await new SignJWT({ role: "lender", lender_id: "L1" })
      .setProtectedHeader({ alg: "EdDSA", kid: KEY.kid, typ: "concord-internal+jwt" })
      .setSubject("u1").setIssuer("concord-gateway").setAudience("loans").setIssuedAt(now).setExpirationTime(now + 3600)
      .sign(KEY.key);
    await expect(verifyInternalToken(long, loans)).rejects.toMatchObject(refused);
  });

  it("are refused when signed by another Ed25519 key, even under the gateway's kid", async () => {
    const other = generateInternalSigningKey();
    await expect(verifyInternalToken(await signInternalToken(lender, other, "loans"), loans)).rejects.toMatchObject(refused);
    await expect(verifyInternalToken(await signInternalToken(lender, { ...other, kid: KEY.kid }, "loans"), loans)).rejects.toMatchObject(refused);
  });

  it("are refused when HS256, whatever the secret (the public JWKS itself included)", async () => {
    for (const secret of ["another-secret-that-is-long-enough-0123456789", JSON.stringify(internalJwks([KEY])), KEY.publicJwk.x!]) {
      const forged = await new SignJWT({ role: "lender", lender_id: "L1" })
        .setProtectedHeader({ alg: "HS256", kid: KEY.kid, typ: "concord-internal+jwt" })
        .setSubject("u1").setIssuer("concord-gateway").setAudience("loans").setIssuedAt().setExpirationTime("30s")
        .sign(new TextEncoder().encode(secret));
      await expect(verifyInternalToken(forged, loans)).rejects.toMatchObject(refused);
    }
  });
});

describe("internal-token keys", () => {
  it("publish a public JWKS with nothing that can sign", async () => {
    const [jwk] = internalJwks([KEY]).keys;
    expect(Object.keys(jwk!).sort()).toEqual(["alg", "crv", "kid", "kty", "use", "x"]);
    // What a subgraph holds is no signing key, however it is imported.
    expect(() => internalSigningKey(JSON.stringify(jwk))).toThrow(/no private key/);
    expect(() => internalSigningKey(JSON.stringify(internalJwks([KEY])))).toThrow(/JWKS/);
    const pub = await importJWK(jwk!, "EdDSA");
    await expect(new SignJWT({}).setProtectedHeader({ alg: "EdDSA" }).sign(pub)).rejects.toThrow();
  });

  it("read a private JWK or a PKCS8 PEM, and only Ed25519", () => {
    const { privateKey } = generateKeyPairSync("ed25519");
    const pem = privateKey.export({ format: "pem", type: "pkcs8" }).toString();
    const fromPem = internalSigningKey(pem);
    const fromJwk = internalSigningKey(JSON.stringify({ ...privateKey.export({ format: "jwk" }), kid: "k-2026" }));
    expect(fromJwk.kid).toBe("k-2026");
    expect(fromPem.publicJwk.x).toBe(fromJwk.publicJwk.x);
    expect(() => internalSigningKey(generateKeyPairSync("ed25519").publicKey.export({ format: "pem", type: "spki" }).toString())).toThrow(/public key/);
    const ec = generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey.export({ format: "pem", type: "pkcs8" }).toString();
    expect(() => internalSigningKey(ec)).toThrow(/Ed25519/);
    expect(() => internalSigningKey("not a key")).toThrow(/neither/);
  });

  it("are created at first start only when asked, and then kept", () => {
    const path = join(tmp(), "keys", "internal.jwk.json");
    expect(() => readInternalSigningKey(path)).toThrow(`Cannot read the internal signing key ${path}: ENOENT`);
    const first = readInternalSigningKey(path, { generate: true });
    expect(first.generated).toBe(true);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const again = readInternalSigningKey(path, { generate: true });
    expect(again).toMatchObject({ generated: false, key: { kid: first.key.kid } });
  });

  it("for development are one pair under the data folder, shared by every process", () => {
    const dir = tmp();
    const a = devInternalKeys(dir);
    const b = devInternalKeys(dir);
    expect(b).toEqual(a);
    const key = readInternalSigningKey(a.signingKeyPath).key;
    expect(JSON.parse(readFileSync(a.jwksPath, "utf8"))).toEqual(internalJwks([key]));
    expect(statSync(a.signingKeyPath).mode & 0o777).toBe(0o600);
  });
});

describe("a verifier's JWKS", () => {
  it("holds public keys only: a private or symmetric key in it is refused", () => {
    const priv = { ...(KEY.key.export({ format: "jwk" }) as object), kid: "p" };
    expect(() => publicJwks({ keys: [priv] }, "The JWKS x")).toThrow(/private or symmetric/);
    expect(() => publicJwks({ keys: [{ kty: "oct", k: "c2VjcmV0" }] }, "The JWKS x")).toThrow(/private or symmetric/);
    expect(() => localJwks({ keys: [priv as never] })).toThrow(/private or symmetric/);
    const path = join(tmp(), "jwks.json");
    writeFileSync(path, JSON.stringify({ keys: [priv] }));
    expect(() => fileJwks(path)).toThrow(`The JWKS ${path} holds private or symmetric key material (kid p)`);
    expect(() => fileJwks(join(tmp(), "missing.json"))).toThrow(/Cannot read the JWKS .*ENOENT/);
  });
});
