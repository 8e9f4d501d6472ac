import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { base64url, SignJWT } from "jose";
import { join } from "node:path";
import { createLogger, INTERNAL_TOKEN_HEADER, repoRoot, signInternalToken } from "@concord/service-kit";
import { remoteJwks, start as startGateway } from "@concord/gateway";
import { seedDemoPortfolio } from "@concord/loans";
import { codes, createTestIssuer, gql, lenderPrincipal, TEST_AUDIENCE, TEST_INTERNAL_SECRET, TEST_ISSUER } from "@concord/test-kit";
import { startFederation, type Federation } from "../support/federation";

let fed: Federation;
let lenderId: string;
const QUERY = `{ collectionCases(first: 1) { totalCount edges { node { id } } } }`;

beforeAll(async () => {
  fed = await startFederation();
  await seedDemoPortfolio(fed.loans.ds, { asOf: new Date().toISOString().slice(0, 10), borrowers: 50 });
  [{ id: lenderId }] = await fed.loans.ds.query("SELECT id FROM lender ORDER BY name LIMIT 1");
});
afterAll(async () => fed?.stop());

const raw = async (headers: Record<string, string>) => {
  const res = await fetch(fed.gatewayUrl, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify({ query: QUERY }) });
  return { status: res.status, body: (await res.json()) as any };
};
const bearer = (t: string) => ({ authorization: `Bearer ${t}` });

describe("caller authentication at the gateway", () => {
  it("serves a valid lender token", async () => {
    const r = await fed.query(QUERY, {}, await fed.token({ role: "lender", lender_id: lenderId }));
    expect(r.errors).toBeUndefined();
    expect(r.data.collectionCases.totalCount).toBeGreaterThan(0);
  });

  it("refuses a request with no token: 401, UNAUTHENTICATED, nothing resolved", async () => {
    const r = await raw({});
    expect(r.status).toBe(401);
    expect(r.body.errors.map((e: any) => e.extensions.code)).toEqual(["UNAUTHENTICATED"]);
    expect(r.body.data).toBeUndefined();
  });

  const forged: Array<[string, () => Promise<string>]> = [
    ["alg none", async () => {
      const good = await fed.token({ role: "lender", lender_id: lenderId });
      const [, payload] = good.split(".");
      return `${base64url.encode(JSON.stringify({ alg: "none", typ: "JWT" }))}.${payload}.`;
    }],
    ["HS256 signed with the issuer's public key", async () => {
      const pub = fed.issuer.jwks().keys[0]!;
      return new SignJWT({ role: "lender", lender_id: lenderId })
        .setProtectedHeader({ alg: "HS256", kid: pub.kid })
        .setIssuer(TEST_ISSUER).setAudience(TEST_AUDIENCE).setSubject("x").setExpirationTime("5m")
        .sign(new TextEncoder().encode(JSON.stringify(pub)));
    }],
    ["an unknown kid", async () => {
      const k = await fed.issuer.foreignKey();
      return fed.issuer.mint({ role: "lender", lender_id: lenderId }, { key: { ...k, kid: "no-such-kid" } });
    }],
    ["a key the issuer never published, under its kid", async () => {
      const k = await fed.issuer.foreignKey();
      return fed.issuer.mint({ role: "lender", lender_id: lenderId }, { key: { ...k, kid: fed.issuer.jwks().keys[0]!.kid! } });
    }],
    ["an expired token", () => fed.issuer.mint({ role: "lender", lender_id: lenderId }, { expiresIn: -120 })],
    ["a token not yet valid", () => fed.issuer.mint({ role: "lender", lender_id: lenderId }, { notBefore: 600 })],
    ["a wrong issuer", () => fed.issuer.mint({ role: "lender", lender_id: lenderId }, { issuer: "https://evil.test" })],
    ["a wrong audience", () => fed.issuer.mint({ role: "lender", lender_id: lenderId }, { audience: "someone-else" })],
    ["a tampered payload", async () => {
      const good = await fed.token({ role: "borrower", borrower_id: "0190f3e4-0000-7000-8000-000000000001" });
      const [h, , sig] = good.split(".");
      const evil = base64url.encode(JSON.stringify({ role: "lender", lender_id: lenderId, sub: "x", iss: TEST_ISSUER, aud: TEST_AUDIENCE, exp: 9999999999 }));
      return `${h}.${evil}.${sig}`;
    }],
    ["a lender role without lender_id", () => fed.token({ role: "lender" })],
    ["a lender role carrying agency_id", () => fed.token({ role: "lender", lender_id: lenderId, agency_id: "a1" })],
    ["a borrower role carrying lender_id", () => fed.token({ role: "borrower", lender_id: lenderId })],
    ["an unknown role", () => fed.token({ role: "admin", lender_id: lenderId })],
  ];

  it.each(forged)("refuses %s with 401 UNAUTHENTICATED and resolves nothing", async (_label, make) => {
    const r = await raw(bearer(await make()));
    expect(r.status).toBe(401);
    expect(r.body.errors.map((e: any) => e.extensions.code)).toEqual(["UNAUTHENTICATED"]);
    expect(r.body.data).toBeUndefined();
  });

  it("accepts a rotated key without a restart", async () => {
    await fed.issuer.rotate();
    const r = await fed.query(QUERY, {}, await fed.token({ role: "lender", lender_id: lenderId }));
    expect(r.errors).toBeUndefined();
  });
});

describe("a JWKS URL", () => {
  it("is refetched when a token names a new kid, without restarting the gateway", async () => {
    const issuer = await createTestIssuer();
    let fetches = 0;
    const jwksServer = createServer((_req, res) => {
      fetches++;
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify(issuer.jwks()));
    });
    await new Promise<void>((r) => jwksServer.listen(0, "127.0.0.1", r));
    const jwksUrl = `http://127.0.0.1:${(jwksServer.address() as AddressInfo).port}/jwks.json`;
    const gateway = await startGateway({
      supergraphPath: join(repoRoot, "schema", "supergraph.graphql"),
      auth: { getKey: remoteJwks(jwksUrl, { cooldownMs: 0 }), issuer: TEST_ISSUER, audience: TEST_AUDIENCE },
      internalSecret: TEST_INTERNAL_SECRET,
      subgraphUrls: { loans: fed.loans.url },
      logger: createLogger("gateway").child({}, { level: "silent" }),
    });
    try {
      const ask = async () => gql(gateway.url, QUERY, {}, bearer(await issuer.mint({ role: "lender", lender_id: lenderId })));
      expect((await ask()).errors).toBeUndefined();
      await ask();
      expect(fetches).toBe(1); // cached
      await issuer.rotate();
      expect((await ask()).errors).toBeUndefined();
      expect(fetches).toBe(2); // the unknown kid made it look again
    } finally {
      await gateway.stop();
      jwksServer.close();
    }
  });
});

describe("a subgraph called directly", () => {
  const call = async (headers: Record<string, string>) =>
    gql(fed.loans.url, `{ collectionCases(first: 1) { edges { node { id } } } }`, {}, headers);

  it("answers a valid internal token", async () => {
    const r = await call({ [INTERNAL_TOKEN_HEADER]: await signInternalToken(lenderPrincipal(lenderId), TEST_INTERNAL_SECRET) });
    expect(r.errors).toBeUndefined();
  });

  it.each([
    ["no internal token", async () => ({})],
    ["an expired internal token", async () => ({
      [INTERNAL_TOKEN_HEADER]: await signInternalToken(lenderPrincipal(lenderId), TEST_INTERNAL_SECRET, new Date(Date.now() - 10 * 60_000)),
    })],
    ["an internal token signed with another secret", async () => ({
      [INTERNAL_TOKEN_HEADER]: await signInternalToken(lenderPrincipal(lenderId), "another-secret-that-is-long-enough-0123456789"),
    })],
    ["a caller's JWT in place of an internal token", async () => ({ [INTERNAL_TOKEN_HEADER]: await fed.token({ role: "lender", lender_id: lenderId }) })],
  ])("refuses %s and returns no data", async (_label, headers) => {
    const r = await call(await headers());
    expect(codes(r)).toEqual(["UNAUTHENTICATED"]);
    expect(r.data ?? null).toBeNull();
  });

  it("refuses an _entities call without an internal token", async () => {
    const r = await gql(fed.loans.url, `query($r: [_Any!]!) { _entities(representations: $r) { ... on Lender { name } } }`, {
      r: [{ __typename: "Lender", id: lenderId }],
    });
    expect(codes(r)).toEqual(["UNAUTHENTICATED"]);
    expect(r.data ?? null).toBeNull();
  });
});
