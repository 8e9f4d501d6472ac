import { spawn, type ChildProcess } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createConnection } from "node:net";
import { afterAll, describe, expect, it } from "vitest";
import { childEnv, freePort, repoRoot } from "@concord/service-kit";
import { gql, subscribe } from "@concord/test-kit";

/**
 * `npm start` as a new user runs it: nothing configured but free ports and a data folder of
 * its own; the embedded PostgreSQL, the demo data, every service, and a clean Ctrl-C.
 */
// In the system temp folder: run as root, PostgreSQL runs as `postgres`, which can reach it.
const dataDir = mkdtempSync(join(tmpdir(), "concord-e2e-start-"));
chmodSync(dataDir, 0o755);
let proc: ChildProcess | undefined;
afterAll(() => {
  if (proc?.pid && proc.exitCode === null) process.kill(-proc.pid, "SIGKILL");
  rmSync(dataDir, { recursive: true, force: true });
});

async function runStart(ports: { pg: number; gateway: number; loans: number; agencies: number; outreach: number }): Promise<{ child: ChildProcess; output: () => string }> {
  let out = "";
  const child = spawn(process.execPath, ["--import", "tsx", "scripts/start.ts"], {
    cwd: repoRoot,
    env: childEnv({
      DATA_DIR: dataDir,
      EMBEDDED_PG_PORT: String(ports.pg),
      PORT: String(ports.gateway),
      LOANS_PORT: String(ports.loans),
      AGENCIES_PORT: String(ports.agencies),
      OUTREACH_PORT: String(ports.outreach),
      DATABASE_URL: "",
      LOG_LEVEL: "warn",
    }),
    stdio: ["ignore", "pipe", "pipe"],
    // Its own process group, so that a Ctrl-C can be sent to all of it as a terminal does.
    detached: true,
  });
  proc = child;
  child.stdout!.on("data", (d) => (out += d));
  child.stderr!.on("data", (d) => (out += d));
  const deadline = Date.now() + 120_000;
  while (!out.includes("Concord is running")) {
    if (child.exitCode !== null) throw new Error(`npm start exited:\n${out}`);
    if (Date.now() > deadline) throw new Error(`npm start did not come up:\n${out}`);
    await new Promise((r) => setTimeout(r, 250));
  }
  return { child, output: () => out };
}

async function stop(child: ChildProcess): Promise<number | null> {
  const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
  // A terminal's Ctrl-C signals the whole foreground process group, PostgreSQL included.
  process.kill(-child.pid!, "SIGINT");
  return exited;
}

const listening = (port: number) =>
  new Promise<boolean>((resolve) => {
    const s = createConnection({ port, host: "127.0.0.1" });
    s.once("connect", () => (s.destroy(), resolve(true)));
    s.once("error", () => resolve(false));
  });

describe("npm start", () => {
  it("serves the demo portfolio, stops everything on SIGINT, and comes back with the same data", async () => {
    const ports = { pg: await freePort(), gateway: await freePort(), loans: await freePort(), agencies: await freePort(), outreach: await freePort() };
    const first = await runStart(ports);
    expect(first.output()).toContain(`http://localhost:${ports.gateway}/graphql`);
    const url = `http://127.0.0.1:${ports.gateway}/graphql`;
    const tokens = Object.fromEntries(
      ["LENDER", "AGENCY", "BORROWER", "AUDITOR"].map((role) => [role, new RegExp(`export ${role}_TOKEN=(\\S+)`).exec(first.output())?.[1]]),
    );
    const as = (role: string) => ({ authorization: `Bearer ${tokens[role]}` });
    const q = `{ collectionCases(first: 3) { totalCount edges { node { id daysPastDue loan { reference } borrower { fullName } } } } }`;
    expect((await gql(url, q)).status).toBe(401);
    // Every example the banner prints runs as printed, with the token its curl sends, and is refused nothing.
    const examples = [...first.output().matchAll(/Bearer \$(\w+)_TOKEN" \\\n {4}-d '(.+)'$/gm)].map((m) => ({ role: m[1]!, ...(JSON.parse(m[2]!) as { query: string }) }));
    // One per role, then the protections' (the lender's and the agency's view of the held cases), then the
    // contact rules': the agency's contactPolicy and reportActivity, the lender's flagged activities.
    expect(examples.map((x) => x.role)).toEqual(["LENDER", "AGENCY", "BORROWER", "AUDITOR", "LENDER", "AGENCY", "AGENCY", "AGENCY", "LENDER"]);
    const answers: any[] = [];
    for (const { role, query } of examples) {
      const r = await gql(url, query, {}, as(role));
      expect(r.errors, `${role}: ${JSON.stringify(r.errors)}`).toBeUndefined();
      expect(Object.values(r.data ?? {}).every((v) => v != null), role).toBe(true);
      answers.push(r.data);
    }
    // The demo's open dispute and approved hardship, as the lender sees them and as the agency holding them does.
    expect(answers[4].disputed.disputes).toEqual([expect.objectContaining({ status: "OPEN" })]);
    expect(answers[4].hardship.hardships).toEqual([expect.objectContaining({ status: "APPROVED", kind: "OTHER" })]);
    expect(answers[4].promised.promises).toEqual([expect.objectContaining({ status: "BROKEN", brokenAt: expect.any(String) })]);
    for (const held of [answers[5].disputed, answers[5].hardship]) expect(held.contactPolicy).toMatchObject({ allowed: false, blockedBy: [expect.objectContaining({ rule: "CONTACT_HOLD" })] });
    // The demo's 8th call attempt in 7 days on the demo agency's case, as its lender sees it.
    const attempts = answers[8].collectionCase.activities.edges.map((e: any) => e.node);
    expect(attempts).toHaveLength(8);
    expect(attempts.filter((a: any) => a.flagged).map((a: any) => a.violations.map((v: any) => v.rule))).toEqual([["CALL_ATTEMPTS_7_DAYS"]]);
    expect(answers[7].reportActivity.violations).toEqual([]);
    // Printed for the lender: its compliance alerts, as they happen.
    expect(first.output()).toMatch(/CONCORD_TOKEN="\$LENDER_TOKEN" npm run subscribe -- '.*complianceAlerts/);
    const r1 = await gql(url, q, {}, as("LENDER"));
    expect(r1.errors).toBeUndefined();
    expect(r1.data.collectionCases.totalCount).toBeGreaterThan(50);
    // The demo agency token sees the cases placed with it.
    const agency = await gql(url, `{ collectionCases(first: 5) { totalCount edges { node { borrower { phone } } } } }`, {}, as("AGENCY"));
    expect(agency.errors).toBeUndefined();
    expect(agency.data.collectionCases.totalCount).toBeGreaterThan(0);
    expect(agency.data.collectionCases.edges[0].node.borrower.phone).toContain("****");
    for (const role of ["AGENCY", "BORROWER", "AUDITOR"]) {
      const r = await gql(url, `{ collectionCases(first: 1) { edges { node { id } } } }`, {}, as(role));
      expect(r.errors?.map((e) => e.extensions?.code) ?? [], role).not.toContain("UNAUTHENTICATED");
    }
    // Live updates over the WebSocket, fed by the bus the started gateway tails.
    const [{ node: watched }] = (
      await gql(url, `{ collectionCases(first: 1) { edges { node { id loan { id principal { currency } } } } } }`, {}, as("LENDER"))
    ).data.collectionCases.edges;
    const feed = subscribe(url, tokens.LENDER, `subscription($id: ID!) { caseUpdated(caseId: $id, filter: { kinds: [PAYMENT_RECORDED] }) { cursor caseId case { id } } }`, { id: watched.id });
    let paid: Awaited<ReturnType<typeof feed.next>> = [];
    for (let n = 0; paid.length === 0 && n < 20; n++) {
      // The subscription may reach the gateway after the first payment: pay until one arrives.
      const payment = await gql(
        url,
        `mutation($i: RecordPaymentInput!) { recordPayment(input: $i) { replayed } }`,
        { i: { loanId: watched.loan.id, amountMinor: 1, currency: watched.loan.principal.currency, receivedAt: new Date().toISOString(), externalReference: `start-e2e-${n}` } },
        as("LENDER"),
      );
      expect(payment.errors).toBeUndefined();
      paid = await feed.next(1, 1500).catch(() => []);
    }
    expect(paid[0]?.data.caseUpdated).toMatchObject({ caseId: watched.id, case: { id: watched.id } });
    await feed.stop();

    // The development issuer's public keys are served for clients that verify tokens.
    const jwks = (await (await fetch(`http://127.0.0.1:${ports.gateway}/.well-known/jwks.json`)).json()) as { keys: unknown[] };
    expect(jwks.keys.length).toBe(1);
    // The internal-token pair lives under the data folder: the gateway publishes the public half the subgraphs read.
    const internal = await (await fetch(`http://127.0.0.1:${ports.gateway}/.well-known/concord-internal-jwks.json`)).json();
    expect(internal).toEqual(JSON.parse(readFileSync(join(dataDir, "internal-keys", "jwks.json"), "utf8")));

    expect(await stop(first.child)).toBe(0);
    expect(first.output()).toContain("Stopped.");
    for (const port of Object.values(ports)) expect(await listening(port), `port ${port} still open`).toBe(false);

    const second = await runStart(ports);
    expect(second.output()).toContain("Using the existing data");
    const r2 = await gql(url, q, {}, as("LENDER"));
    expect(r2.data.collectionCases.edges).toEqual(r1.data.collectionCases.edges);
    expect(await stop(second.child)).toBe(0);
  }, 240_000);
});
