import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { SUBGRAPHS, subgraphEntry } from "./registry";

/** This file lives at <root>/schema/src/. */
const root = fileURLToPath(new URL("../../", import.meta.url));

describe("subgraph registry", () => {
  it("gives each subgraph its own name, port and database", () => {
    const unique = (values: unknown[]) => expect(new Set(values).size).toBe(values.length);
    unique(SUBGRAPHS.map((s) => s.name));
    unique(SUBGRAPHS.map((s) => s.port));
    unique(SUBGRAPHS.map((s) => s.database));
    for (const s of SUBGRAPHS) {
      // The name becomes an environment variable prefix and the database a bare identifier.
      expect(s.name).toMatch(/^[a-z][a-z0-9]*$/);
      expect(s.database).toMatch(/^[a-z_][a-z0-9_]*$/);
      // 4000 is the gateway's.
      expect(s.port).not.toBe(4000);
    }
  });

  it("names each subgraph's own folder, package and entry point", () => {
    for (const s of SUBGRAPHS) {
      const pkg = JSON.parse(readFileSync(join(root, "subgraphs", s.name, "package.json"), "utf8"));
      expect(pkg.name, s.name).toBe(s.package);
      expect(s.main.startsWith(`subgraphs/${s.name}/`), s.main).toBe(true);
      expect(existsSync(join(root, s.main)), s.main).toBe(true);
    }
  });

  it("holds every folder under subgraphs/ (a subgraph without its registry line runs nowhere)", () => {
    const folders = readdirSync(join(root, "subgraphs")).filter((f) => existsSync(join(root, "subgraphs", f, "package.json")));
    expect(folders.sort()).toEqual(SUBGRAPHS.map((s) => s.name).sort());
  });

  it("looks an entry up by name and refuses an unknown one", () => {
    expect(subgraphEntry("loans").port).toBe(4001);
    expect(() => subgraphEntry("nope")).toThrow(/registry\.ts/);
  });
});
