import { describe, expect, it } from "vitest";
import { createTestIssuer, TEST_AUDIENCE, TEST_ISSUER } from "@concord/test-kit";
import { verifyCaller } from "./principal";

const LENDER = "0193a000-0000-7000-8000-0000000000a1";

describe("a caller token's lifetime", async () => {
  const issuer = await createTestIssuer();
  const verify = (token: string, maxLifetimeS?: number) => verifyCaller(token, { getKey: issuer.getKey, issuer: TEST_ISSUER, audience: TEST_AUDIENCE, maxLifetimeS });
  const mint = (expiresIn: number, noIssuedAt = false) => issuer.mint({ role: "lender", lender_id: LENDER }, { expiresIn, noIssuedAt });
  const refused = { extensions: { code: "UNAUTHENTICATED" }, message: expect.stringContaining("lives longer than the 24 hours") };

  it("is at most 24 hours by default: exp - iat, or exp - now without iat", async () => {
    await expect(verify(await mint(24 * 3600))).resolves.toMatchObject({ lenderId: LENDER });
    await expect(verify(await mint(24 * 3600 - 5, true))).resolves.toMatchObject({ lenderId: LENDER });
    await expect(verify(await mint(24 * 3600 + 60))).rejects.toMatchObject(refused);
    await expect(verify(await mint(10 * 365 * 86400))).rejects.toMatchObject(refused);
    await expect(verify(await mint(25 * 3600, true))).rejects.toMatchObject(refused);
  });

  it("counts from now when iat is ahead of the clock", async () => {
    const tenYears = 10 * 365 * 86400;
    const iat = Math.floor(Date.now() / 1000) + tenYears - 3600;
    const token = await issuer.mint({ role: "lender", lender_id: LENDER, iat }, { expiresIn: tenYears, noIssuedAt: true });
    await expect(verify(token)).rejects.toMatchObject(refused);
  });

  it("follows the configured maximum", async () => {
    await expect(verify(await mint(3600), 1800)).rejects.toMatchObject({ extensions: { code: "UNAUTHENTICATED" } });
    await expect(verify(await mint(1800), 1800)).resolves.toMatchObject({ lenderId: LENDER });
  });
});

describe("a caller token's id claims", async () => {
  const issuer = await createTestIssuer();
  const verify = (token: string) => verifyCaller(token, { getKey: issuer.getKey, issuer: TEST_ISSUER, audience: TEST_AUDIENCE });

  it("says which claim a role needs or must not carry, with the right article", async () => {
    await expect(verify(await issuer.mint({ role: "agency" }))).rejects.toMatchObject({ message: "An agency token must carry agency_id (a UUID)" });
    await expect(verify(await issuer.mint({ role: "auditor", lender_id: LENDER }))).rejects.toMatchObject({ message: "An auditor token must not carry lender_id" });
    await expect(verify(await issuer.mint({ role: "lender", agency_id: "x" }))).rejects.toMatchObject({ message: "A lender token must carry lender_id (a UUID)" });
  });
});
