import { describe, expect, it } from "vitest";
import { isUuid, uuidv7 } from "./ids";

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
