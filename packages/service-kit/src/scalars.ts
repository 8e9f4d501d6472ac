import { GraphQLScalarType, isScalarType, isSpecifiedScalarType, Kind, type GraphQLSchema } from "graphql";
import { DateTimeISOResolver } from "graphql-scalars";
import { Directive, Field, ObjectType } from "type-graphql";
import { isIsoDate } from "./clock";
import { badInput } from "./errors";
import { Policy, PUBLIC } from "./access/policy";

/** A JSON string holding a canonical decimal integer: digits only, no sign, no leading zero (but "0"). */
const CANONICAL_DECIMAL = /^(0|[1-9][0-9]*)$/;
const MAX_MINOR_UNITS = BigInt(Number.MAX_SAFE_INTEGER);
const AMOUNT_RULE = "An amount must be a whole number of minor units, at most 2^53 - 1: a JSON integer, or a string of digits with no sign, spaces or leading zeros";

/** A MinorUnits input value as a bigint, or null when it is not one. */
function minorUnits(value: unknown): bigint | null {
  let amount: bigint | undefined;
  if (typeof value === "number" && Number.isSafeInteger(value) && !Object.is(value, -0)) amount = BigInt(value);
  else if (typeof value === "string" && value.length <= 16 && CANONICAL_DECIMAL.test(value)) amount = BigInt(value);
  return amount === undefined || amount < 0n || amount > MAX_MINOR_UNITS ? null : amount;
}

/**
 * Why a literal in the document is refused. A plain Error, not a ConcordError: graphql-js then
 * reports it as it does a built-in type's ("Expected value of type ..., found ...", with its
 * location), as a validation failure.
 */
const literalRefused = (rule: string) => new Error(rule);

/**
 * An integer amount in the currency's minor units (cents, fen, pence), never a float.
 * On the wire a JSON integer from 0 to 2^53 - 1, or the same written as a string in canonical
 * decimal form ("700", never "007", " 7", "+7", "7.0"); in code a bigint.
 *
 * Parsing is strict, so that a malformed amount fails before execution like any other input of
 * the wrong type (HTTP 400, BAD_USER_INPUT naming the variable and field): an amount is never
 * negative (the operation says which way money moves); the service that takes it still refuses
 * zero where zero makes no sense, with a BAD_USER_INPUT error naming the field.
 */
export const MinorUnits = new GraphQLScalarType<bigint, number>({
  name: "MinorUnits",
  description:
    "Integer amount in the currency's minor units (for example cents); never a float. Input: a JSON integer from 0 to 2^53 - 1, or a string of digits in canonical form (no sign, spaces or leading zeros).",
  serialize(value) {
    if (typeof value === "bigint") {
      if (value > MAX_MINOR_UNITS || value < -MAX_MINOR_UNITS) {
        throw new Error("MinorUnits out of the safe integer range");
      }
      return Number(value);
    }
    if (typeof value === "string" && /^-?\d+$/.test(value)) return Number(value);
    if (typeof value === "number" && Number.isSafeInteger(value)) return value;
    throw new Error(`MinorUnits cannot represent ${String(value)}`);
  },
  parseValue(value) {
    const amount = minorUnits(value);
    if (amount === null) throw badInput(AMOUNT_RULE);
    return amount;
  },
  parseLiteral(ast) {
    // An Int literal's digits are canonical already (the grammar refuses leading zeros), so it
    // and a string literal both follow the rule of a string in variables.
    const amount = ast.kind === Kind.INT || ast.kind === Kind.STRING ? minorUnits(ast.value) : null;
    if (amount === null) throw literalRefused(AMOUNT_RULE);
    return amount;
  },
});

/** A calendar date, YYYY-MM-DD, with no time zone (a due date, a business date). */
export const LocalDate = new GraphQLScalarType<string, string>({
  name: "LocalDate",
  description: "A calendar date written YYYY-MM-DD, with no time zone.",
  serialize(value) {
    if (value instanceof Date) return value.toISOString().slice(0, 10);
    if (typeof value === "string" && isIsoDate(value)) return value;
    throw new Error(`LocalDate cannot represent ${String(value)}`);
  },
  parseValue(value) {
    if (typeof value === "string" && isIsoDate(value)) return value;
    throw badInput("A date must be written YYYY-MM-DD");
  },
  parseLiteral(ast) {
    if (ast.kind === Kind.STRING && isIsoDate(ast.value)) return ast.value;
    throw literalRefused("A date must be written YYYY-MM-DD");
  },
});

/** Every custom scalar a Concord subgraph declares, by name. */
export const SCALARS: ReadonlyMap<string, GraphQLScalarType> = new Map<string, GraphQLScalarType>(
  [MinorUnits, LocalDate, DateTimeISOResolver].map((s) => [s.name, s as GraphQLScalarType]),
);

/**
 * Gives the custom scalars of a schema built from SDL (a gateway's API schema, whose scalars
 * accept anything) the input parsing of the subgraphs' own ({@link SCALARS}), in place, so that
 * a malformed date or amount fails before execution at the gateway exactly as it would at the
 * subgraph, and exactly as a built-in type's does: HTTP 400. Returns the names of custom scalars
 * it has no implementation for.
 */
export function adoptScalars(schema: GraphQLSchema): string[] {
  const missing: string[] = [];
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isScalarType(type) || isSpecifiedScalarType(type) || type.name.startsWith("__")) continue;
    const own = SCALARS.get(type.name);
    if (!own) {
      missing.push(type.name);
      continue;
    }
    type.parseValue = own.parseValue;
    type.parseLiteral = own.parseLiteral;
  }
  return missing;
}

/** An amount of money: integer minor units plus an ISO 4217 currency code. */
@Directive("@shareable")
@ObjectType({ description: "An amount of money: integer minor units plus an ISO 4217 currency code." })
export class Money {
  @Policy(PUBLIC)
  @Field(() => MinorUnits, { description: "Amount in minor units (for example cents)." })
  amountMinor: bigint;

  @Policy(PUBLIC)
  @Field(() => String, { description: "ISO 4217 currency code, for example GBP." })
  currency: string;

  static of(amountMinor: bigint | string | number, currency: string): Money {
    const m = new Money();
    m.amountMinor = BigInt(amountMinor);
    m.currency = currency;
    return m;
  }
}

const CURRENCIES = new Set(Intl.supportedValuesOf("currency"));
/** True for an ISO 4217 code that this runtime knows. */
export const isCurrency = (code: string): boolean => /^[A-Z]{3}$/.test(code) && CURRENCIES.has(code);
