import { describe, expect, it } from "vitest";
import { corsOriginsSetting } from "./config";

describe("CORS_ORIGINS", () => {
  it("is no origin when unset or empty", () => {
    expect(corsOriginsSetting.parse(undefined)).toEqual([]);
    expect(corsOriginsSetting.parse("")).toEqual([]);
    expect(corsOriginsSetting.parse(" , ")).toEqual([]);
  });

  it("takes exact origins, comma-separated, and * alone", () => {
    expect(corsOriginsSetting.parse("https://app.example.com, http://localhost:5173")).toEqual(["https://app.example.com", "http://localhost:5173"]);
    expect(corsOriginsSetting.parse("*")).toEqual(["*"]);
  });

  it.each([
    ["a trailing slash", "https://app.example.com/"],
    ["a path", "https://app.example.com/app"],
    ["no scheme", "app.example.com"],
    ["another scheme", "ftp://app.example.com"],
    ["* with origins", "*, https://app.example.com"],
  ])("refuses %s, naming the value", (_label, value) => {
    const r = corsOriginsSetting.safeParse(value);
    expect(r.success).toBe(false);
    expect(r.error?.issues[0]?.message).toMatch(/origin/);
  });
});
