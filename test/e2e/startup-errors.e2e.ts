import { spawn } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { childEnv, freePort, repoRoot } from "@concord/service-kit";

/**
 * What a person starting Concord reads when it cannot start: a bad setting, a port in use, a
 * second `npm start`. One line on stderr naming the problem, no stack trace, a non-zero exit.
 */
const dataDir = mkdtempSync(join(tmpdir(), "concord-startup-errors-"));
chmodSync(dataDir, 0o755);
const servers: Server[] = [];
afterAll(async () => {
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  rmSync(dataDir, { recursive: true, force: true });
});

/** Runs an entry point as `npm start` and the compose file do: `node --import tsx <file>`. */
function run(file: string, env: Record<string, string>, args: string[] = []): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", file, ...args], {
      cwd: repoRoot,
      env: childEnv({ DATA_DIR: dataDir, DATABASE_URL: "", LOG_LEVEL: "warn", NODE_ENV: "development", ...env }),
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
    child.once("error", reject);
    child.once("exit", (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}

function expectOneLine(r: { status: number | null; stderr: string }, message: string): void {
  expect(r.status, r.stderr).not.toBe(0);
  expect(r.status, r.stderr).not.toBeNull();
  expect(r.stderr, "no stack trace").not.toContain("    at ");
  expect(r.stderr.trimEnd().split("\n")).toEqual([expect.stringContaining(message)]);
}

const occupied = async (): Promise<number> => {
  const server = createServer();
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  return (server.address() as { port: number }).port;
};

describe("a process that cannot start", () => {
  it.each([
    ["npm start", "scripts/start.ts"],
    ["the gateway", "gateway/src/main.ts"],
    ["a subgraph", "subgraphs/loans/src/main.ts"],
    ["npm run token", "scripts/token.ts"],
    ["npm run audit:verify", "scripts/audit-verify.ts"],
    ["npm run subscribe", "scripts/subscribe.ts"],
  ])("%s says which setting is wrong in one line: PORT=abc, DATABASE_URL=not-a-url", async (_label, file) => {
    const args = file.endsWith("token.ts") ? ["--role", "auditor"] : file.endsWith("subscribe.ts") ? ["--token", "t", "subscription { x }"] : [];
    expectOneLine(await run(file, { PORT: "abc" }, args), "Invalid configuration: PORT: expected a port number, 0 to 65535");
    expectOneLine(await run(file, { DATABASE_URL: "not-a-url" }, args), "Invalid configuration: DATABASE_URL: expected a URL");
  }, 60_000);

  it("a subgraph names its own bad port variable", async () => {
    expectOneLine(await run("subgraphs/agencies/src/main.ts", { AGENCIES_PORT: "99999" }), "Invalid configuration: AGENCIES_PORT: expected a port number");
  });

  it("npm start refuses a second npm start on the same data folder in one line", async () => {
    // What the first npm start leaves while it runs: PostgreSQL's pid file naming a live process.
    mkdirSync(join(dataDir, "pg"), { recursive: true });
    writeFileSync(join(dataDir, "pg", "postmaster.pid"), `${process.pid}\n`);
    try {
      const free = { PORT: String(await freePort()), LOANS_PORT: String(await freePort()), AGENCIES_PORT: String(await freePort()) };
      expectOneLine(await run("scripts/start.ts", { ...free, EMBEDDED_PG_PORT: String(await freePort()) }), "is already running");
    } finally {
      rmSync(join(dataDir, "pg"), { recursive: true, force: true });
    }
  });

  it("npm start and the gateway refuse a port in use in one line, naming it", async () => {
    const port = await occupied();
    const r = await run("scripts/start.ts", { PORT: String(port), LOANS_PORT: String(await freePort()), AGENCIES_PORT: String(await freePort()), OUTREACH_PORT: String(await freePort()) });
    expectOneLine(r, `Port ${port} (PORT) is in use`);
    const loans = await occupied();
    expectOneLine(
      await run("scripts/start.ts", { PORT: String(await freePort()), LOANS_PORT: String(loans), AGENCIES_PORT: String(await freePort()), OUTREACH_PORT: String(await freePort()) }),
      `Port ${loans} (LOANS_PORT) is in use`,
    );
    const gateway = await run("gateway/src/main.ts", { PORT: String(port) });
    expectOneLine(gateway, `cannot listen on 127.0.0.1:${port}: the port is in use`);
  }, 60_000);
});
