import { execFileSync, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { SUBGRAPHS } from "@concord/schema";

/** This file lives at <root>/scripts/. */
const root = fileURLToPath(new URL("..", import.meta.url));
const composeFile = join(root, "docker-compose.yml");

/** Whether a `docker-compose` command is on the PATH (v1 or the v2 standalone binary). */
const available = (() => {
  const r = spawnSync("docker-compose", ["version"], { cwd: root, stdio: "ignore", timeout: 20_000 });
  return !r.error && r.status === 0;
})();

function compose(...args: string[]): string {
  return execFileSync("docker-compose", args, { cwd: root, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
}

/** The lines of one top-level service (`  name:`) up to the next entry at its indentation or less. */
function serviceBlock(text: string, name: string): string {
  const lines = text.split("\n");
  const start = lines.findIndex((l) => l === `  ${name}:`);
  if (start < 0) return "";
  const end = lines.findIndex((l, i) => i > start && /^ {0,2}\S/.test(l));
  return lines.slice(start, end < 0 ? undefined : end).join("\n");
}

describe("docker-compose.yml", () => {
  it.skipIf(!available)(
    available ? "passes `docker-compose config -q` and defines postgres, nats, the keys job, the gateway and every registered subgraph" : "skipped: docker-compose not installed",
    () => {
      // Throws (failing the test, with docker-compose's message) when the file is invalid.
      compose("config", "-q");
      const services = compose("config", "--services").split("\n").map((s) => s.trim()).filter(Boolean);
      expect(services.sort()).toEqual(["postgres", "nats", "keys", "gateway", ...SUBGRAPHS.map((s) => s.name)].sort());
    },
    30_000,
  );

  it("runs postgres:17, NATS with JetStream (-js), and the loans and gateway services", () => {
    const text = readFileSync(composeFile, "utf8");
    expect(text).toMatch(/^services:$/m);

    const postgres = serviceBlock(text, "postgres");
    expect(postgres).toMatch(/image:\s*["']?postgres:17["']?\s*$/m);
    expect(postgres).toContain("pg_isready");

    const nats = serviceBlock(text, "nats");
    expect(nats).toMatch(/image:\s*["']?nats:2["']?\s*$/m);
    expect(nats).toMatch(/command:.*["'\s[]-js\b/);

    const loans = serviceBlock(text, "loans");
    expect(loans).toContain("subgraphs/loans/src/main.ts");
    expect(loans).toMatch(/postgres:\s*\n\s*condition:\s*service_healthy/);
    expect(loans).toContain("/health");

    const gateway = serviceBlock(text, "gateway");
    expect(gateway).toContain("gateway/src/main.ts");
    expect(gateway).toContain("SUBGRAPH_URL_LOANS: http://loans:4001/graphql");
    expect(gateway).toContain("/health");

    expect(text).toContain("DATABASE_URL: postgresql://postgres:postgres@postgres:5432/postgres");
    expect(text).toContain("BUS_URL: nats://nats:4222");
  });

  it("runs every registered subgraph (schema/src/registry.ts), and the gateway routes to and waits for each", () => {
    const text = readFileSync(composeFile, "utf8");
    const gateway = serviceBlock(text, "gateway");
    for (const s of SUBGRAPHS) {
      const upper = s.name.toUpperCase();
      const block = serviceBlock(text, s.name);
      expect(block, `service ${s.name}`).toContain(`command: ["node", "--import", "tsx", "${s.main}"]`);
      expect(block, `service ${s.name}`).toContain(`${upper}_PORT: "${s.port}"`);
      expect(block, `service ${s.name}`).toMatch(/<<: \[\*database-env, \*bus-env\]/);
      expect(block, `service ${s.name}`).toMatch(/postgres:\s*\n\s*condition:\s*service_healthy/);
      expect(block, `service ${s.name}`).toContain(`process.env.${upper}_PORT||${s.port})+'/health'`);
      expect(gateway).toContain(`SUBGRAPH_URL_${upper}: http://${s.name}:${s.port}/graphql`);
      expect(gateway).toMatch(new RegExp(`depends_on:[\\s\\S]*\\n {6}${s.name}:\\s*\\n\\s*condition:\\s*service_healthy`));
    }
    // No service or gateway route left behind by a subgraph that is no longer registered.
    const routes = [...gateway.matchAll(/SUBGRAPH_URL_(\w+):/g)].map((m) => m[1]!.toLowerCase());
    expect(routes.sort()).toEqual(SUBGRAPHS.map((s) => s.name).sort());
    const section = text.slice(text.indexOf("\nservices:\n"), text.indexOf("\nvolumes:\n"));
    const services = [...section.matchAll(/^ {2}([a-z][\w-]*):$/gm)].map((m) => m[1]!);
    expect(services.filter((n) => !["postgres", "nats", "gateway", "keys"].includes(n)).sort()).toEqual(SUBGRAPHS.map((s) => s.name).sort());
  });

  it("carries no key material: a one-off job makes the gateway's key in a volume only the gateway mounts besides it, and the subgraphs read its public half from a read-only volume", () => {
    const text = readFileSync(composeFile, "utf8");
    expect(text).not.toMatch(/INTERNAL_TOKEN_SECRET|SECRET:|BEGIN [A-Z ]*KEY|"d"\s*:/);
    const keys = serviceBlock(text, "keys");
    expect(keys).toContain("scripts/internal-keys.ts");
    expect(keys).toMatch(/- gateway-keys:\/keys\/private\n/);
    const gateway = serviceBlock(text, "gateway");
    expect(gateway).toContain("INTERNAL_SIGNING_KEY_FILE: /keys/private/");
    expect(gateway).toContain("- gateway-keys:/keys/private:ro");
    expect(gateway).toMatch(/keys:\s*\n\s*condition: service_completed_successfully/);
    for (const s of SUBGRAPHS) {
      const block = serviceBlock(text, s.name);
      expect(block, `service ${s.name}`).toContain("INTERNAL_JWKS_FILE: /keys/public/internal-jwks.json");
      expect(block, `service ${s.name}`).toContain("- internal-public-keys:/keys/public:ro");
      expect(block, `service ${s.name}`).toMatch(/keys:\s*\n\s*condition: service_completed_successfully/);
      expect(block, `service ${s.name}`).not.toMatch(/INTERNAL_SIGNING_KEY|gateway-keys|INTERNAL_JWKS_URL/);
    }
    // Only the keys job and the gateway mount the private key's volume.
    expect([...text.matchAll(/- gateway-keys:/g)]).toHaveLength(2);
    // The anchors the subgraphs share carry nothing of the gateway's key either.
    expect(text.slice(0, text.indexOf("\nservices:\n"))).not.toContain("INTERNAL_SIGNING_KEY");
  });

  it("runs every Node service with the same NODE_ENV, and its header lists every service and says how to seed demo data", () => {
    const text = readFileSync(composeFile, "utf8");
    const modes = ["gateway", ...SUBGRAPHS.map((s) => s.name)].map((name) => /^\s+NODE_ENV: (\w+)$/m.exec(serviceBlock(text, name))?.[1]);
    expect(new Set(modes)).toEqual(new Set(["development"]));
    const header = text.slice(0, text.indexOf("\nx-node-service"));
    for (const name of ["postgres", "nats", "gateway", ...SUBGRAPHS.map((s) => s.name)]) expect(header, name).toMatch(new RegExp(`^#   ${name} `, "m"));
    expect(header).toContain("npm run seed");
    expect(header).toContain("npm run -s token");
    expect(header).toContain("NODE_ENV=production on every service");
  });

  it("exposes the gateway's port and every registered subgraph's in the Dockerfile", () => {
    const expose = /^EXPOSE (.*)$/m.exec(readFileSync(join(root, "Dockerfile"), "utf8"))?.[1]?.split(/\s+/).map(Number);
    expect(expose).toEqual([4000, ...SUBGRAPHS.map((s) => s.port)]);
  });

  it("builds from a context without local state (.dockerignore)", () => {
    const ignored = readFileSync(join(root, ".dockerignore"), "utf8").split("\n").map((l) => l.trim());
    for (const entry of ["node_modules", ".data", ".git", ".turbo", "coverage"]) expect(ignored).toContain(entry);
  });
});
