import "reflect-metadata";
import { describe, expect, it } from "vitest";
import { buildSchema, graphql, GraphQLString, Kind, parseValue, type GraphQLScalarType } from "graphql";
import { adoptScalars, LocalDate, MinorUnits } from "./scalars";

const literal = (source: string) => MinorUnits.parseLiteral(parseValue(source), undefined);

describe("MinorUnits", () => {
  it.each([
    [7, 7n],
    [0, 0n],
    ["7", 7n],
    ["700", 700n],
    ["0", 0n],
    [Number.MAX_SAFE_INTEGER, 9007199254740991n],
    ["9007199254740991", 9007199254740991n],
  ])("takes %j as %s", (value, amount) => {
    expect(MinorUnits.parseValue(value)).toBe(amount);
  });

  it.each([
    ["a leading zero", "007"],
    ["a leading space", " 7"],
    ["a trailing space", "7 "],
    ["a plus sign", "+7"],
    ["a minus sign", "-7"],
    ["a decimal point", "7.0"],
    ["an exponent", "7e2"],
    ["an empty string", ""],
    ["a string past 2^53 - 1", "9007199254740992"],
    ["a very long string", "1".repeat(400)],
    ["a float", 7.5],
    ["a negative integer", -7],
    ["negative zero", -0],
    ["a number past 2^53 - 1", 2 ** 53],
    ["an enormous number", 1e21],
    ["NaN", Number.NaN],
    ["a boolean", true],
    ["null", null],
    ["an object", { amount: 7 }],
  ])("refuses %s with BAD_USER_INPUT", (_label, value) => {
    expect(() => MinorUnits.parseValue(value)).toThrow(expect.objectContaining({ extensions: { code: "BAD_USER_INPUT" } }));
  });

  it("holds literals to the same rule: an Int or a canonical string; never a float, a sign or a leading zero", () => {
    expect(literal("700")).toBe(700n);
    expect(literal('"700"')).toBe(700n);
    for (const bad of ['"007"', "7.5", "-7", "9007199254740992", '" 7"', "true"]) expect(() => literal(bad), bad).toThrow(/whole number of minor units/);
  });

  it("writes amounts as JSON numbers", () => {
    expect(MinorUnits.serialize(700n)).toBe(700);
    expect(() => MinorUnits.serialize(2n ** 60n)).toThrow();
  });
});

describe("adoptScalars", () => {
  const sdl = `scalar LocalDate scalar MinorUnits scalar Mystery
    type Query { on(d: LocalDate): String  pay(a: MinorUnits): String }`;

  it("gives a schema built from SDL the subgraphs' parsing, and names the scalars it has none for", async () => {
    const schema = buildSchema(sdl);
    const before = await graphql({ schema, source: "query($d: LocalDate) { on(d: $d) }", variableValues: { d: "2026-02-30" } });
    expect(before.errors).toBeUndefined(); // SDL scalars accept anything
    expect(adoptScalars(schema)).toEqual(["Mystery"]);
    const date = await graphql({ schema, source: "query($d: LocalDate) { on(d: $d) }", variableValues: { d: "2026-02-30" } });
    expect(date.errors?.[0]?.message).toMatch(/got invalid value "2026-02-30"; A date must be written YYYY-MM-DD/);
    const amount = await graphql({ schema, source: "query($a: MinorUnits) { pay(a: $a) }", variableValues: { a: "007" } });
    expect(amount.errors?.[0]?.message).toMatch(/got invalid value "007"/);
    const inline = await graphql({ schema, source: 'query { on(d: "2026-02-30") }' });
    expect(inline.errors?.[0]?.message).toMatch(/YYYY-MM-DD/);
    const fine = await graphql({ schema, source: 'query($a: MinorUnits) { on(d: "2026-02-28") pay(a: $a) }', variableValues: { a: "700" } });
    expect(fine.errors).toBeUndefined();
  });

  it("leaves the built-in scalars alone", () => {
    const schema = buildSchema(sdl);
    adoptScalars(schema);
    expect(schema.getType("String")).toBe(GraphQLString);
    expect(GraphQLString.parseLiteral({ kind: Kind.STRING, value: "x" }, undefined)).toBe("x");
    expect((schema.getType("LocalDate") as GraphQLScalarType).parseValue).toBe(LocalDate.parseValue);
  });
});
