import { describe, expect, it } from "vitest";
import { decodeJwt, decodeProtectedHeader } from "jose";
import { generateInternalSigningKey, INTERNAL_TOKEN_HEADER, INTERNAL_TOKEN_TTL_S } from "@concord/service-kit";
import { SubgraphDataSource } from "./data-source";
import type { GatewayContext } from "./context";

const key = generateInternalSigningKey();

/** The internal token `subgraph`'s data source puts on a request. */
async function tokenFor(subgraph: string): Promise<string> {
  const ds = new SubgraphDataSource({ url: `http://${subgraph}.internal/graphql` }, subgraph, key);
  const headers = new Headers();
  const context = { requestId: "rid-1", principal: { sub: "u1", role: "lender", lenderId: "l1", scope: ["cases:read"] } } as unknown as GatewayContext;
  await ds.willSendRequest({ request: { http: { headers } }, context } as unknown as Parameters<SubgraphDataSource["willSendRequest"]>[0]);
  return headers.get(INTERNAL_TOKEN_HEADER)!;
}

describe("a subgraph's data source", () => {
  it("signs each internal token with the gateway's Ed25519 key, for that one subgraph, for one minute, with the request id", async () => {
    for (const subgraph of ["loans", "agencies"]) {
      const token = await tokenFor(subgraph);
      expect(decodeProtectedHeader(token)).toMatchObject({ alg: "EdDSA", kid: key.kid });
      const claims = decodeJwt(token);
      expect(claims).toMatchObject({ aud: subgraph, sub: "u1", rid: "rid-1", scope: "cases:read" });
      expect(claims.exp! - claims.iat!).toBeLessThanOrEqual(INTERNAL_TOKEN_TTL_S);
    }
  });
});
