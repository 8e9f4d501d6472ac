import { describe, expect, it } from "vitest";
import { ROLES } from "./principal";
import { effectiveScopes, readScopes, roleMayHold, roleScopes, SCOPES, scopesRoleMayNotHold } from "./scopes";
import { SUBSCRIPTIONS } from "./subscriptions";

describe("the scope catalogue", () => {
  it("names each scope resource:action, describes it and gives it to at least one role", () => {
    for (const [name, def] of Object.entries(SCOPES)) {
      expect(name).toMatch(/^[a-z]+:[a-z]+$/);
      expect(def.description.length).toBeGreaterThan(10);
      expect(def.roles.length).toBeGreaterThan(0);
      for (const r of def.roles) expect(ROLES).toContain(r);
    }
  });

  it("holds the scopes the issue names", () => {
    for (const s of ["cases:read", "payments:write", "placements:write", "visits:write", "contact:reveal", "activities:write", "offers:write", "offers:accept", "plans:read", "audit:read"]) {
      expect(SCOPES).toHaveProperty([s]);
    }
  });

  it("gives each role read scopes that are a part of what it may hold, and never a write or a reveal", () => {
    for (const role of ROLES) {
      expect(readScopes(role).length).toBeGreaterThan(0);
      for (const s of readScopes(role)) {
        expect(roleScopes(role)).toContain(s);
        expect(SCOPES[s].kind).toBe("read");
      }
    }
    expect(readScopes("agency")).not.toContain("contact:reveal");
    expect(roleScopes("agency")).toContain("contact:reveal");
    expect(roleScopes("auditor").filter((s) => SCOPES[s].kind !== "read")).toEqual([]);
  });

  it("keeps each role's scopes to its business", () => {
    expect(roleMayHold("lender", "payments:write")).toBe(true);
    expect(roleMayHold("agency", "payments:write")).toBe(false);
    expect(roleMayHold("lender", "contact:reveal")).toBe(false);
    expect(roleMayHold("borrower", "offers:accept")).toBe(true);
    expect(roleMayHold("agency", "offers:accept")).toBe(false);
    expect(roleMayHold("auditor", "audit:read")).toBe(true);
    expect(roleMayHold("lender", "audit:read")).toBe(false);
    expect(roleMayHold("lender", "no:such")).toBe(false);
  });

  it("gives each subscription a scope its roles may hold", () => {
    for (const d of SUBSCRIPTIONS) for (const r of d.roles) expect(roleMayHold(r, d.scope), `${r} ${d.field}`).toBe(true);
  });
});

describe("effectiveScopes", () => {
  it("gives a token without a scope claim its role's read scopes only", () => {
    expect(effectiveScopes("lender", undefined)).toEqual(readScopes("lender"));
    expect(effectiveScopes("lender", undefined)).not.toContain("payments:write");
    expect(effectiveScopes("auditor", undefined)).toContain("audit:read");
  });

  it("keeps the claimed scopes the role may hold, in catalogue order, once each", () => {
    expect(effectiveScopes("lender", "payments:write cases:read payments:write")).toEqual(["cases:read", "payments:write"]);
    expect(effectiveScopes("agency", roleScopes("agency").join(" "))).toEqual(roleScopes("agency"));
  });

  it("drops unknown scopes and scopes of other roles", () => {
    expect(effectiveScopes("agency", "payments:write cases:read openid profile")).toEqual(["cases:read"]);
    expect(effectiveScopes("lender", "contact:reveal audit:read")).toEqual([]);
    // Split on single spaces only, as OAuth writes the claim: no other separator sneaks one in.
    expect(effectiveScopes("lender", "cases:read,payments:write")).toEqual([]);
  });

  it("grants nothing for an empty or malformed claim (a narrowed token stays narrow)", () => {
    expect(effectiveScopes("lender", "")).toEqual([]);
    expect(effectiveScopes("lender", ["payments:write"])).toEqual([]);
    expect(effectiveScopes("lender", null)).toEqual([]);
  });
});

describe("scopesRoleMayNotHold", () => {
  it("names the scopes a role may not be minted, unknown ones included", () => {
    expect(scopesRoleMayNotHold("lender", ["cases:read", "payments:write"])).toEqual([]);
    expect(scopesRoleMayNotHold("agency", ["cases:read", "payments:write", "bogus:x"])).toEqual(["payments:write", "bogus:x"]);
  });
});
