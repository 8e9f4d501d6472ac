import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
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

  it("prints only the token on stdout, and refuses each bad argument in one line on stderr with exit code 2", () => {
    const agency = "0193a000-0000-7000-8000-00000000a001";
    const ok = run("scripts/token.ts", ["--role", "agency", "--agency", agency, "--ttl", "60"], { NODE_ENV: "development" });
    expect(ok.status).toBe(0);
    expect(ok.stdout).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+\n$/);
    expect(ok.stderr).toBe("");
    const cases: Array<[string[], string]> = [
      [["--role", "auditor", "--ttl", "abc"], "--ttl abc is not allowed"],
      [["--role", "auditor", "--ttl", "-100"], "--ttl -100 is not allowed"],
      [["--role", "auditor", "--ttl", "0"], "--ttl 0 is not allowed"],
      [["--role", "auditor", "--ttl", "1.5"], "--ttl 1.5 is not allowed"],
      [["--role", "auditor", "--ttl"], "argument missing"],
      [["--role", "agency", "--agency", "nope"], "--agency nope is not a UUID"],
      [["--role", "lender", "--lender", "nope"], "--lender nope is not a UUID"],
      [["--role", "borrower", "--borrower", "nope"], "--borrower nope is not a UUID"],
      [["--role", "agency", "--agency", agency, "--lender", agency], "An agency token carries no lender id"],
      [["--role", "auditor", "--borrower", agency], "An auditor token carries no borrower id"],
      [["--role", "agency"], "An agency token needs --agency <id>"],
      [["--role", "admin"], "--role admin is not a role: use one of lender, agency, borrower, auditor"],
      [["--role", "auditor", "--bogus", "1"], "Unknown option '--bogus'"],
      [[], "Usage: npm run -s token"],
    ];
    for (const [args, message] of cases) {
      const r = run("scripts/token.ts", args, { NODE_ENV: "development" });
      expect(r.status, args.join(" ")).toBe(2);
      expect(r.stdout, args.join(" ")).toBe("");
      expect(r.stderr.trimEnd().split("\n"), args.join(" ")).toEqual([expect.stringContaining(message)]);
      expect(r.stderr, args.join(" ")).not.toContain("    at ");
    }
  }, 180_000);

  it("keeps its key across npm run reset, so a token printed before stays valid; --keys removes the keys too", async () => {
    const dir = mkdtempSync(join(tmpdir(), "concord-reset-"));
    try {
      const env = { NODE_ENV: "development", DATA_DIR: dir };
      const minted = run("scripts/token.ts", ["--role", "auditor"], env);
      expect(minted.status).toBe(0);
      mkdirSync(join(dir, "pg"));
      writeFileSync(join(dir, "pg", "PG_VERSION"), "17\n");
      const reset = run("scripts/reset.ts", [], env);
      expect(reset.status, reset.stderr).toBe(0);
      expect(existsSync(join(dir, "pg"))).toBe(false);
      await expect(
        verifyCaller(minted.stdout.trim(), { getKey: fileJwks(join(dir, "dev-issuer", "jwks.json")), issuer: "concord-dev", audience: "concord" }),
      ).resolves.toMatchObject({ role: "auditor" });
      expect(run("scripts/reset.ts", ["--keys"], env).status).toBe(0);
      expect(existsSync(dir)).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it("is never used in production: no tokens, and the gateway will not start without a JWKS", () => {
    const token = run("scripts/token.ts", ["--role", "auditor"], { NODE_ENV: "production" });
    expect(token.status).toBe(1);
    expect(token.stderr).toContain("never used in production");
    const gateway = run("gateway/src/main.ts", [], { NODE_ENV: "production", PORT: "0" });
    expect(gateway.status).toBe(1);
    expect(gateway.stdout + gateway.stderr).toContain("JWKS_URL or JWKS_FILE");
  });
});
