import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  childEnv,
  freePort,
  generateInternalSigningKey,
  INTERNAL_JWKS_PATH,
  internalJwks,
  readInternalSigningKey,
  remoteJwks,
  repoRoot,
  signInternalToken,
  verifyInternalToken,
} from "@concord/service-kit";
import { createTestIssuer, lenderPrincipal, until } from "@concord/test-kit";

/**
 * The internal-token keys as the processes read them from their configuration: what each
 * refuses to start with, and the gateway making its key at first start (as in docker-compose.yml).
 */
const dir = mkdtempSync(join(tmpdir(), "concord-internal-keys-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const write = (name: string, content: unknown) => {
  const path = join(dir, name);
  writeFileSync(path, typeof content === "string" ? content : JSON.stringify(content));
  return path;
};
const callerJwks = write("caller-jwks.json", { keys: [] });

/** Nothing inherited: each test names the configuration it runs with. */
const configured = (env: Record<string, string>) =>
  childEnv({
    DATA_DIR: join(dir, "data"),
    JWKS_URL: "",
    JWKS_FILE: "",
    INTERNAL_SIGNING_KEY_FILE: "",
    INTERNAL_SIGNING_KEY_GENERATE: "",
    INTERNAL_JWKS_FILE: "",
    INTERNAL_JWKS_URL: "",
    DATABASE_URL: "",
    BUS_URL: "",
    LOG_LEVEL: "info",
    ...env,
  });
const run = (file: string, env: Record<string, string>) => {
  const r = spawnSync(process.execPath, ["--import", "tsx", file], { cwd: repoRoot, env: configured(env), encoding: "utf8", timeout: 60_000 });
  return { status: r.status, output: r.stdout + r.stderr };
};
const GATEWAY = "gateway/src/main.ts";
const LOANS = "subgraphs/loans/src/main.ts";
/** Never reached: every refusal below comes before the subgraph connects to its database. */
const NO_DATABASE = "postgresql://nobody@127.0.0.1:1/none";

describe("with NODE_ENV=production", () => {
  it("the gateway refuses to start without its signing key", () => {
    const r = run(GATEWAY, { NODE_ENV: "production", JWKS_FILE: callerJwks, PORT: "0" });
    expect(r.status).toBe(1);
    expect(r.output).toContain("NODE_ENV=production needs INTERNAL_SIGNING_KEY_FILE");
  });

  it("a subgraph refuses to start without the gateway's public key", () => {
    const r = run(LOANS, { NODE_ENV: "production", DATABASE_URL: NO_DATABASE });
    expect(r.status).toBe(1);
    expect(r.output).toContain("NODE_ENV=production needs INTERNAL_JWKS_URL or INTERNAL_JWKS_FILE");
  });
});

describe("configuration that could sign, or cannot", () => {
  const key = generateInternalSigningKey();
  const privateJwk = { ...(key.key.export({ format: "jwk" }) as object), kid: key.kid };

  it("a subgraph refuses to start with the gateway's signing key in its environment", () => {
    const r = run(LOANS, { DATABASE_URL: NO_DATABASE, INTERNAL_SIGNING_KEY_FILE: write("leaked.jwk.json", privateJwk), INTERNAL_JWKS_FILE: write("ok-jwks.json", internalJwks([key])) });
    expect(r.status).toBe(1);
    expect(r.output).toContain("INTERNAL_SIGNING_KEY_FILE is the gateway's alone");
  });

  it("a subgraph refuses a JWKS that holds a private key", () => {
    const r = run(LOANS, { DATABASE_URL: NO_DATABASE, INTERNAL_JWKS_FILE: write("private-jwks.json", { keys: [privateJwk] }) });
    expect(r.status).toBe(1);
    expect(r.output).toContain("holds private or symmetric key material");
  });

  it("the gateway refuses a signing key that cannot sign", () => {
    const r = run(GATEWAY, { NODE_ENV: "production", JWKS_FILE: callerJwks, PORT: "0", INTERNAL_SIGNING_KEY_FILE: write("public.json", internalJwks([key])) });
    expect(r.status).toBe(1);
    expect(r.output).toMatch(/The internal signing key .*public\.json is a JWKS/);
  });
});

describe("a gateway asked to make its key at first start", () => {
  it("creates it (mode 0600), keeps it across restarts, and serves only its public half, which verifies its tokens", async () => {
    const issuer = await createTestIssuer();
    const keyFile = join(dir, "volume", "internal-signing-key.jwk.json");
    const start = async () => {
      const port = await freePort();
      const child = spawn(process.execPath, ["--import", "tsx", GATEWAY], {
        cwd: repoRoot,
        env: configured({
          NODE_ENV: "production",
          JWKS_FILE: write("issuer-jwks.json", issuer.jwks()),
          PORT: String(port),
          INTERNAL_SIGNING_KEY_FILE: keyFile,
          INTERNAL_SIGNING_KEY_GENERATE: "true",
        }),
        stdio: "ignore",
      });
      const base = `http://127.0.0.1:${port}`;
      try {
        await until(async () => (await fetch(`${base}/health`).catch(() => undefined))?.ok === true, "the gateway to start", 60_000, 200);
      } catch (err) {
        child.kill("SIGKILL");
        throw err;
      }
      const stop = () => new Promise<void>((resolve) => (child.exitCode !== null ? resolve() : (child.once("exit", () => resolve()), child.kill("SIGTERM"))));
      return { url: `${base}${INTERNAL_JWKS_PATH}`, stop };
    };

    const first = await start();
    let kid: string;
    try {
      expect(statSync(keyFile).mode & 0o777).toBe(0o600);
      const key = readInternalSigningKey(keyFile).key;
      kid = key.kid;
      const served = (await (await fetch(first.url)).json()) as { keys: Array<Record<string, unknown>> };
      expect(served).toEqual(internalJwks([key]));
      expect(served.keys[0]).not.toHaveProperty("d");
      // What a subgraph with INTERNAL_JWKS_URL does: verify the gateway's token by its published key.
      const token = await signInternalToken(lenderPrincipal("0193a000-0000-7000-8000-0000000000a1"), key, "loans");
      const loans = { getKey: remoteJwks(first.url), audience: "loans" };
      expect((await verifyInternalToken(token, loans)).principal.role).toBe("lender");
      await expect(verifyInternalToken(token, { ...loans, audience: "agencies" })).rejects.toMatchObject({ extensions: { code: "UNAUTHENTICATED" } });
    } finally {
      await first.stop();
    }
    const second = await start();
    try {
      const served = (await (await fetch(second.url)).json()) as { keys: Array<{ kid: string }> };
      expect(served.keys.map((k) => k.kid)).toEqual([kid]);
    } finally {
      await second.stop();
    }
  }, 120_000);
});
