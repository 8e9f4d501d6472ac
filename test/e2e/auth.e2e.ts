import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { base64url, importJWK, SignJWT } from "jose";
import { join } from "node:path";
import { createLogger, generateInternalSigningKey, INTERNAL_JWKS_PATH, INTERNAL_TOKEN_HEADER, internalSigningKey, repoRoot } from "@concord/service-kit";
import { remoteJwks, start as startGateway } from "@concord/gateway";
import { seedDemoPortfolio } from "@concord/loans";
import {
  codes,
  createTestIssuer,
  gql,
  internalHeaders,
  internalToken,
  lenderPrincipal,
  TEST_AUDIENCE,
  TEST_INTERNAL_JWKS,
  TEST_INTERNAL_KEY,
  TEST_ISSUER,
} from "@concord/test-kit";
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
    ["a token living ten years", () => fed.issuer.mint({ role: "lender", lender_id: lenderId }, { expiresIn: 10 * 365 * 86400 })],
    ["a token living 25 hours (exp - iat over the 24 h maximum)", () => fed.issuer.mint({ role: "lender", lender_id: lenderId }, { expiresIn: 25 * 3600 })],
    ["a token without iat expiring in 25 hours", () => fed.issuer.mint({ role: "lender", lender_id: lenderId }, { expiresIn: 25 * 3600, noIssuedAt: true })],
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

  it("accepts a token living up to the maximum lifetime, with or without iat", async () => {
    for (const noIssuedAt of [false, true]) {
      const r = await fed.query(QUERY, {}, await fed.issuer.mint({ role: "lender", lender_id: lenderId }, { expiresIn: 23 * 3600, noIssuedAt }));
      expect(r.errors).toBeUndefined();
    }
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
      internalSigningKey: TEST_INTERNAL_KEY,
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
  const CASES = `{ collectionCases(first: 1) { edges { node { id } } } }`;
  const AGENCIES = `{ agencies { id } }`;
  const as = (t: string) => ({ [INTERNAL_TOKEN_HEADER]: t });
  const lender = () => lenderPrincipal(lenderId);
  /** A token as the gateway shapes it, signed by whoever the test says. */
  const shaped = (audience: string) =>
    new SignJWT({ role: "lender", lender_id: lenderId, scope: "" })
      .setSubject("intruder")
      .setIssuer("concord-gateway")
      .setAudience(audience)
      .setIssuedAt()
      .setExpirationTime("50s");
  let loan: { id: string; currency: string };
  const payments = async () => Number((await fed.loans.ds.query("SELECT count(*)::int AS n FROM payment"))[0].n);
  /** A write, so that "nothing resolved" is visible in the database too. */
  const PAY = `mutation($i: RecordPaymentInput!) { recordPayment(input: $i) { replayed } }`;
  const pay = (headers: Record<string, string>) =>
    gql(fed.loans.url, PAY, { i: { loanId: loan.id, amountMinor: 100, currency: loan.currency, receivedAt: new Date().toISOString(), externalReference: `forged-${Math.random()}` } }, headers);

  beforeAll(async () => {
    [loan] = await fed.loans.ds.query("SELECT id, currency FROM loan WHERE lender_id = $1 LIMIT 1", [lenderId]);
  });

  it("answers an internal token made for it, each subgraph its own", async () => {
    expect((await gql(fed.loans.url, CASES, {}, await internalHeaders(lender(), "loans"))).errors).toBeUndefined();
    expect((await gql(fed.agencies.url, AGENCIES, {}, await internalHeaders(lender(), "agencies"))).errors).toBeUndefined();
  });

  it("holds only the gateway's public key: nothing in its configuration can sign", async () => {
    // TEST_INTERNAL_JWKS is all a test subgraph is given (TEST_GATEWAY_KEYS is made from it).
    for (const k of TEST_INTERNAL_JWKS.keys) expect(Object.keys(k).sort()).toEqual(["alg", "crv", "kid", "kty", "use", "x"]);
    expect(() => internalSigningKey(JSON.stringify(TEST_INTERNAL_JWKS.keys[0]))).toThrow(/no private key/);
    const pub = await importJWK(TEST_INTERNAL_JWKS.keys[0]!, "EdDSA");
    await expect(shaped("loans").setProtectedHeader({ alg: "EdDSA", kid: TEST_INTERNAL_JWKS.keys[0]!.kid }).sign(pub)).rejects.toThrow();
  });

  /** Each makes the headers of a bad call to subgraph `to`; `other` names another subgraph. */
  const refusedTokens: Array<[string, (to: string, other: string) => Promise<Record<string, string>>]> = [
    ["no internal token", async () => ({})],
    ["a token the gateway made for another subgraph, replayed", async (_to, other) => internalHeaders(lender(), other)],
    ["an expired internal token", async (to) => internalHeaders(lender(), to, { now: new Date(Date.now() - 10 * 60_000) })],
    ["an HS256 token signed with a guessed secret", async (to) => as(await shaped(to).setProtectedHeader({ alg: "HS256" }).sign(new TextEncoder().encode("a-guessed-secret-of-32-bytes-or-more-0123456789")))],
    // The subgraph's own configuration is the public JWKS: the most a holder can do with it.
    ["an HS256 token keyed with the subgraph's own JWKS", async (to) =>
      as(await shaped(to).setProtectedHeader({ alg: "HS256", kid: TEST_INTERNAL_KEY.kid }).sign(new TextEncoder().encode(JSON.stringify(TEST_INTERNAL_JWKS))))],
    ["an HS256 token keyed with the public key's bytes", async (to) =>
      as(await shaped(to).setProtectedHeader({ alg: "HS256", kid: TEST_INTERNAL_KEY.kid }).sign(base64url.decode(TEST_INTERNAL_KEY.publicJwk.x!)))],
    ["an unsigned token (alg none)", async (to) => {
      const [, payload] = (await internalToken(lender(), to)).split(".");
      return as(`${base64url.encode(JSON.stringify({ alg: "none", typ: "concord-internal+jwt" }))}.${payload}.`);
    }],
    ["a token signed by another Ed25519 key", async (to) => internalHeaders(lender(), to, { key: generateInternalSigningKey() })],
    ["a token signed by another Ed25519 key under the gateway's kid", async (to) =>
      internalHeaders(lender(), to, { key: { ...generateInternalSigningKey(), kid: TEST_INTERNAL_KEY.kid } })],
    ["a caller's JWT in place of an internal token", async () => as(await fed.token({ role: "lender", lender_id: lenderId }))],
  ];

  it.each(refusedTokens)("agencies refuses %s with UNAUTHENTICATED and resolves nothing", async (_label, headers) => {
    const r = await gql(fed.agencies.url, AGENCIES, {}, await headers("agencies", "loans"));
    expect(codes(r)).toEqual(["UNAUTHENTICATED"]);
    expect(r.data ?? null).toBeNull();
  });

  it.each(refusedTokens)("loans refuses a write with %s, and writes nothing", async (_label, headers) => {
    const before = await payments();
    const r = await pay(await headers("loans", "agencies"));
    expect(codes(r)).toEqual(["UNAUTHENTICATED"]);
    expect(r.data ?? null).toBeNull();
    expect(await payments()).toBe(before);
  });

  it("refuses an _entities call without an internal token", async () => {
    const r = await gql(fed.loans.url, `query($r: [_Any!]!) { _entities(representations: $r) { ... on Lender { name } } }`, {
      r: [{ __typename: "Lender", id: lenderId }],
    });
    expect(codes(r)).toEqual(["UNAUTHENTICATED"]);
    expect(r.data ?? null).toBeNull();
  });
});

describe("defence in depth at the subgraphs", () => {
  const loans = async (query: string) => gql(fed.loans.url, query, {}, await internalHeaders(lenderPrincipal(lenderId), "loans"));

  it("holds a valid internal token to the gateway's operation limits: depth 15 and 40 aliases are refused, nothing resolved", async () => {
    const deep = `{ collectionCases(first: 1) { edges { node { ${"loan { borrower { loans { collectionCase { ".repeat(3)} id ${"} } } } ".repeat(3)} } } } }`;
    const aliased = `{ ${Array.from({ length: 40 }, (_, i) => `a${i}: collectionCases(first: 1) { totalCount }`).join(" ")} }`;
    for (const query of [deep, aliased]) {
      const r = await loans(query);
      expect(r.status).toBe(400);
      expect(codes(r)).toEqual(["OPERATION_LIMIT_EXCEEDED"]);
      expect(r.data ?? null).toBeNull();
    }
    expect((await loans(`{ ${Array.from({ length: 30 }, (_, i) => `a${i}: collectionCases(first: 1) { totalCount }`).join(" ")} }`)).errors).toBeUndefined();
  });

  it("serves no landing page", async () => {
    for (const url of [fed.loans.url, fed.agencies.url]) {
      const res = await fetch(url, { headers: { accept: "text/html" } });
      expect(await res.text()).not.toMatch(/<html/i);
    }
  });

  // Test gateways run with introspection off (the default), so every subscription e2e shows planning needs none.
  it("answers no introspection, at the gateway or a subgraph, unless enabled", async () => {
    const introspect = `{ __schema { queryType { name } } }`;
    const viaGateway = await fed.query(introspect, {}, await fed.token({ role: "lender", lender_id: lenderId }));
    expect(codes(viaGateway)).toEqual(["GRAPHQL_VALIDATION_FAILED"]);
    expect(codes(await loans(introspect))).toEqual(["GRAPHQL_VALIDATION_FAILED"]);
    expect(codes(await loans(`{ __type(name: "Loan") { name } }`))).toEqual(["GRAPHQL_VALIDATION_FAILED"]);
    // `__typename` is no introspection: the query planner relies on it.
    expect((await loans(`{ __typename }`)).errors).toBeUndefined();
    const open = await startGateway({
      supergraphPath: join(repoRoot, "schema", "supergraph.graphql"),
      auth: { getKey: fed.issuer.getKey, issuer: TEST_ISSUER, audience: TEST_AUDIENCE },
      internalSigningKey: TEST_INTERNAL_KEY,
      subgraphUrls: { loans: fed.loans.url, agencies: fed.agencies.url },
      logger: createLogger("gateway").child({}, { level: "silent" }),
      introspection: true,
    });
    try {
      const r = await gql(open.url, introspect, {}, bearer(await fed.token({ role: "lender", lender_id: lenderId })));
      expect(r.data).toEqual({ __schema: { queryType: { name: "Query" } } });
    } finally {
      await open.stop();
    }
  });

  it("publishes the gateway's public internal-token key, and nothing that can sign", async () => {
    const res = await fetch(new URL(INTERNAL_JWKS_PATH, fed.gatewayUrl));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual(TEST_INTERNAL_JWKS);
  });
});
