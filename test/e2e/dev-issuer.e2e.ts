import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { childEnv, repoRoot } from "@concord/service-kit";
import { decodeJwt } from "jose";
import { fileJwks, verifyCaller } from "@concord/gateway";
import { roleScopes } from "@concord/schema";

const dataDir = mkdtempSync(join(tmpdir(), "concord-dev-issuer-"));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

const run = (file: string, args: string[], env: Record<string, string>) =>
  spawnSync(process.execPath, ["--import", "tsx", file, ...args], {
    cwd: repoRoot,
    env: childEnv({ DATA_DIR: dataDir, JWKS_URL: "", JWKS_FILE: "", INTERNAL_SIGNING_KEY_FILE: "", INTERNAL_JWKS_FILE: "", INTERNAL_JWKS_URL: "", ...env }),
    encoding: "utf8",
    timeout: 60_000,
  });

describe("the development issuer", () => {
  it("mints a token with npm run token that the gateway's verification accepts", async () => {
    const agency = "0193a000-0000-7000-8000-00000000a001";
    const r = run("scripts/token.ts", ["--role", "agency", "--agency", agency], { NODE_ENV: "development" });
    expect(r.status).toBe(0);
    const token = r.stdout.trim();
    const principal = await verifyCaller(token, {
      getKey: fileJwks(join(dataDir, "dev-issuer", "jwks.json")),
      issuer: "concord-dev",
      audience: "concord",
    });
    expect(principal).toMatchObject({ role: "agency", agencyId: agency });
    // Every scope an agency may hold, writes and reveals included, unless narrowed.
    expect(principal.scope).toEqual(roleScopes("agency"));
    expect(JSON.parse(readFileSync(join(dataDir, "dev-issuer", "jwks.json"), "utf8")).keys[0]).not.toHaveProperty("d");
  });

  it("narrows a token to --scope, and refuses a scope the role may not hold in one line", async () => {
    const lender = "0193a000-0000-7000-8000-00000000b001";
    const r = run("scripts/token.ts", ["--role", "lender", "--lender", lender, "--scope", "cases:read payments:write"], { NODE_ENV: "development" });
    expect(r.status).toBe(0);
    const principal = await verifyCaller(r.stdout.trim(), { getKey: fileJwks(join(dataDir, "dev-issuer", "jwks.json")), issuer: "concord-dev", audience: "concord" });
    expect(principal.scope).toEqual(["cases:read", "payments:write"]);

    const refused = run("scripts/token.ts", ["--role", "agency", "--agency", lender, "--scope", "cases:read payments:write"], { NODE_ENV: "development" });
    expect(refused.status).toBe(2);
    expect(refused.stdout).toBe("");
    expect(refused.stderr.trim().split("\n")).toEqual([expect.stringContaining("The agency role may not hold payments:write; it may hold: cases:read")]);
  });

  it("mints within the gateway's maximum lifetime: 12 hours by default, never longer than CALLER_TOKEN_MAX_LIFETIME_HOURS", () => {
    const plain = run("scripts/token.ts", ["--role", "auditor"], { NODE_ENV: "development" });
    expect(plain.status).toBe(0);
    const claims = decodeJwt(plain.stdout.trim());
    expect(claims.exp! - claims.iat!).toBe(12 * 3600);
    const tooLong = run("scripts/token.ts", ["--role", "auditor", "--ttl", String(25 * 3600)], { NODE_ENV: "development" });
    expect(tooLong.status).toBe(2);
    expect(tooLong.stderr).toContain("CALLER_TOKEN_MAX_LIFETIME_HOURS");
  });

  it("refuses a token for a role without its id", () => {
    const r = run("scripts/token.ts", ["--role", "lender"], { NODE_ENV: "development" });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("--lender");
  });

  it("is never used in production: no tokens, and the gateway will not start without a JWKS", () => {
    const token = run("scripts/token.ts", ["--role", "auditor"], { NODE_ENV: "production" });
    expect(token.status).toBe(1);
    expect(token.stderr).toContain("never used in production");
    const gateway = run("gateway/src/main.ts", [], { NODE_ENV: "production", PORT: "0" });
    expect(gateway.status).toBe(1);
    expect(gateway.stdout + gateway.stderr).toContain("JWKS_URL or JWKS_FILE");
  });
});
