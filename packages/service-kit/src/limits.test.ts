import { parse } from "graphql";
import { describe, expect, it } from "vitest";
import { checkOperationLimits } from "./limits";

const limits = { maxDepth: 3, maxAliases: 2, maxFields: 6 };
const code = (q: string) => checkOperationLimits(parse(q), limits)?.extensions.code ?? null;

describe("operation limits", () => {
  it("lets an operation within every limit through", () => {
    expect(code("{ a { b { c } } }")).toBeNull();
  });

  it("counts depth through fragments and inline fragments", () => {
    expect(code("{ a { b { c { d } } } }")).toBe("OPERATION_LIMIT_EXCEEDED");
    expect(code("{ a { ...F } } fragment F on T { b { ... on T { c { d } } } }")).toBe("OPERATION_LIMIT_EXCEEDED");
    expect(code("{ a { ...F } } fragment F on T { b { c } }")).toBeNull();
  });

  it("counts aliases and fields in the whole document", () => {
    expect(code("{ x: a y: a z: a }")).toBe("OPERATION_LIMIT_EXCEEDED");
    expect(code("{ a b c d e f g }")).toBe("OPERATION_LIMIT_EXCEEDED");
    expect(code("{ a { ...F ...F } } fragment F on T { b c d }")).toBe("OPERATION_LIMIT_EXCEEDED");
  });

  it("does not loop on a fragment that spreads itself", () => {
    expect(code("{ a { ...F } } fragment F on T { b ...F }")).toBeNull();
  });

  it("applies to subscriptions as to queries", () => {
    expect(code("subscription { caseUpdated { case { loan { borrower { name } } } } }")).toBe("OPERATION_LIMIT_EXCEEDED");
  });
});
