import { describe, expect, it } from "vitest";
import { decodeJwt } from "jose";
import type { Principal } from "@concord/schema";
import { signInternalToken, verifyInternalToken } from "./internal-token";

const SECRET = "unit-test-internal-secret-0123456789abcdef";
const lender: Principal = { sub: "u1", role: "lender", lenderId: "L1", scope: ["cases:read"] };

describe("internal tokens", () => {
  it("carry the gateway's request id in `rid`, and give it back with the principal", async () => {
    const token = await signInternalToken(lender, SECRET, new Date(), "0b7c6a52-2f43-4f0e-9d6a-1c2b3d4e5f60");
    expect(decodeJwt(token).rid).toBe("0b7c6a52-2f43-4f0e-9d6a-1c2b3d4e5f60");
    expect(await verifyInternalToken(token, SECRET)).toEqual({
      principal: { sub: "u1", role: "lender", lenderId: "L1", agencyId: undefined, borrowerId: undefined, scope: ["cases:read"] },
      requestId: "0b7c6a52-2f43-4f0e-9d6a-1c2b3d4e5f60",
    });
  });

  it("without one, verify to a null request id", async () => {
    const token = await signInternalToken(lender, SECRET);
    expect(decodeJwt(token).rid).toBeUndefined();
    expect((await verifyInternalToken(token, SECRET)).requestId).toBeNull();
  });

  it("refuse to carry a request id that is not plain", async () => {
    await expect(signInternalToken(lender, SECRET, new Date(), "a b\nc")).rejects.toThrow(/request id/);
    await expect(signInternalToken(lender, SECRET, new Date(), "x".repeat(129))).rejects.toThrow(/request id/);
  });

  it("are refused when signed with another secret, whatever request id they carry", async () => {
    const token = await signInternalToken(lender, "another-secret-that-is-long-enough-0123456789", new Date(), "rid-1");
    await expect(verifyInternalToken(token, SECRET)).rejects.toMatchObject({ extensions: { code: "UNAUTHENTICATED" } });
  });
});
