import { describe, expect, it } from "vitest";
import { derivedUuid, isUuid, uuidv7 } from "./ids";

describe("uuidv7", () => {
  it("is a version 7 UUID", () => {
    const id = uuidv7();
    expect(isUuid(id)).toBe(true);
    expect(id[14]).toBe("7");
  });

  it("increases strictly, even within one millisecond", () => {
    const at = Date.now() + 10_000;
    const ids = Array.from({ length: 5000 }, () => uuidv7(at));
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
  });
});

describe("derivedUuid", () => {
  it("is a version 8 UUID that depends on its parts alone", () => {
    const id = derivedUuid("demo", 42, "agency", 0);
    expect(isUuid(id)).toBe(true);
    expect(id[14]).toBe("8");
    expect("89ab").toContain(id[19]);
    expect(derivedUuid("demo", 42, "agency", 0)).toBe(id);
    expect(derivedUuid("demo", 43, "agency", 0)).not.toBe(id);
    // Parts are kept apart: ("a/b", "c") is not ("a", "b/c").
    expect(derivedUuid("a/b", "c")).not.toBe(derivedUuid("a", "b/c"));
  });
});
