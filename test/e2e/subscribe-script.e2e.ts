import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { childEnv, freePort, repoRoot } from "@concord/service-kit";
import { seedDemoPortfolio } from "@concord/loans";
import type { RunningGateway } from "@concord/gateway";
import { startFederation, type Federation } from "../support/federation";

/**
 * `npm run subscribe` as a user runs it: the token from CONCORD_TOKEN or --token-file (npm echoes
 * --token with the command line), updates as JSON lines on stdout, and a line on stderr when it
 * reconnects after the gateway restarts, resuming after the last cursor.
 */
let fed: Federation;
let lender: string;
let loan: { id: string; currency: string };
const dir = mkdtempSync(join(tmpdir(), "concord-subscribe-"));
const children: ChildProcess[] = [];

beforeAll(async () => {
  fed = await startFederation();
  await seedDemoPortfolio(fed.loans.ds, { asOf: new Date().toISOString().slice(0, 10), borrowers: 20 });
  const [row] = await fed.loans.ds.query(
    "SELECT l.id, l.lender_id, l.currency FROM loan l JOIN collection_case c ON c.loan_id = l.id WHERE c.status = 'OPEN' ORDER BY l.id LIMIT 1",
  );
  loan = { id: row.id, currency: row.currency.trim() };
  lender = await fed.token({ role: "lender", lender_id: row.lender_id });
});
afterAll(async () => {
  for (const c of children) if (c.exitCode === null) c.kill("SIGKILL");
  await fed?.stop();
  rmSync(dir, { recursive: true, force: true });
});

function subscribeScript(args: string[], env: Record<string, string>) {
  const child = spawn(process.execPath, ["--import", "tsx", "scripts/subscribe.ts", ...args], {
    cwd: repoRoot,
    env: childEnv({ CONCORD_TOKEN: "", LOG_LEVEL: "warn", ...env }),
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.push(child);
  const out = { stdout: "", stderr: "" };
  child.stdout!.on("data", (d) => (out.stdout += d));
  child.stderr!.on("data", (d) => (out.stderr += d));
  const until = async (what: () => boolean, label: string, ms = 30_000) => {
    const deadline = Date.now() + ms;
    while (!what()) {
      if (Date.now() > deadline || child.exitCode !== null) throw new Error(`${label} did not happen:\n${out.stderr}\n${out.stdout}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  const lines = () => out.stdout.split("\n").filter(Boolean).map((l) => JSON.parse(l));
  return { child, out, until, lines };
}

let paid = 0;
const pay = async () => {
  const r = await fed.query(
    `mutation($i: RecordPaymentInput!) { recordPayment(input: $i) { replayed } }`,
    { i: { loanId: loan.id, amountMinor: 1, currency: loan.currency, receivedAt: new Date().toISOString(), externalReference: `subscribe-script-${paid++}` } },
    lender,
  );
  expect(r.errors).toBeUndefined();
};

const QUERY = `subscription($after: String) { caseUpdated(after: $after, filter: { kinds: [PAYMENT_RECORDED] }) { cursor kind } }`;

describe("npm run subscribe", () => {
  it("takes the token from CONCORD_TOKEN, and says when it reconnects after a gateway restart and resumes", async () => {
    const port = await freePort();
    let gateway: RunningGateway = await fed.startGateway({ port });
    const s = subscribeScript(["--url", `ws://127.0.0.1:${port}/graphql`, QUERY], { CONCORD_TOKEN: lender });
    await s.until(() => s.out.stderr.includes("connected to"), "the first connection");
    // The subscription may reach the gateway a moment after the connection: pay until one arrives.
    for (let n = 0; s.lines().length === 0 && n < 20; n++) {
      await pay();
      await s.until(() => s.lines().length > 0, "the first update", 1500).catch(() => undefined);
    }
    expect(s.lines().length).toBeGreaterThan(0);
    const first = s.lines().at(-1);
    expect(first.data.caseUpdated).toMatchObject({ kind: "PAYMENT_RECORDED" });

    await gateway.stop();
    await s.until(() => s.out.stderr.includes("reconnecting in"), "the reconnect notice");
    gateway = await fed.startGateway({ port });
    await s.until(() => s.out.stderr.includes("reconnected to"), "the reconnection");
    const printed = s.lines().at(-1).data.caseUpdated.cursor;
    expect(s.out.stderr).toContain(`reconnected to ws://127.0.0.1:${port}/graphql; resuming after cursor ${printed}`);
    await pay();
    const before = s.lines().length;
    await s.until(() => s.lines().length > before, "the update after the reconnection");
    expect(s.lines().at(-1).data.caseUpdated.cursor).not.toBe(printed);
    // The token is never printed.
    expect(s.out.stdout + s.out.stderr).not.toContain(lender);
    s.child.kill("SIGINT");
    await gateway.stop();
  }, 90_000);

  it("takes the token from --token-file, and refuses a missing file or no token in one usage message", async () => {
    const file = join(dir, "token");
    writeFileSync(file, `${lender}\n`);
    const s = subscribeScript(["--token-file", file, "--url", fed.gatewayUrl, QUERY], {});
    await s.until(() => s.out.stderr.includes("connected to"), "the connection");
    s.child.kill("SIGINT");

    const missing = subscribeScript(["--token-file", join(dir, "none"), QUERY], {});
    const code = await new Promise((r) => missing.child.once("exit", r));
    expect(code).toBe(2);
    expect(missing.out.stderr.trim()).toBe(`--token-file ${join(dir, "none")}: no such file`);
    const none = subscribeScript([QUERY], {});
    expect(await new Promise((r) => none.child.once("exit", r))).toBe(2);
    expect(none.out.stderr).toContain("Usage: CONCORD_TOKEN=<jwt> npm run subscribe");
  }, 60_000);
});
