import { GraphQLScalarType, Kind } from "graphql";
import { Directive, Field, ObjectType } from "type-graphql";
import { isIsoDate } from "./clock";
import { badInput } from "./errors";
import { Policy, PUBLIC } from "./access/policy";

/**
 * An integer amount in the currency's minor units (cents, fen, pence), never a float.
 * On the wire a JSON number with no fraction, at most 2^53 - 1 in size; in code a bigint.
 *
 * Parsing is deliberately lenient (any number): the service that takes the amount rejects a
 * fraction, zero or a negative with a BAD_USER_INPUT error naming the field, which a strict
 * scalar could only report as a validation failure.
 */
export const MinorUnits = new GraphQLScalarType<bigint | number, number>({
  name: "MinorUnits",
  description: "Integer amount in the currency's minor units (for example cents); never a float.",
  serialize(value) {
    if (typeof value === "bigint") {
      if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < -BigInt(Number.MAX_SAFE_INTEGER)) {
        throw new Error("MinorUnits out of the safe integer range");
      }
      return Number(value);
    }
    if (typeof value === "string" && /^-?\d+$/.test(value)) return Number(value);
    if (typeof value === "number" && Number.isSafeInteger(value)) return value;
    throw new Error(`MinorUnits cannot represent ${String(value)}`);
  },
  parseValue(value) {
    if (typeof value === "number" && Number.isFinite(value)) return Number.isSafeInteger(value) ? BigInt(value) : value;
    if (typeof value === "string" && /^-?\d{1,16}$/.test(value)) return BigInt(value);
    throw badInput("An amount must be an integer number of minor units");
  },
  parseLiteral(ast) {
    if (ast.kind === Kind.INT) return BigInt(ast.value);
    if (ast.kind === Kind.FLOAT) return Number(ast.value);
    throw badInput("An amount must be an integer number of minor units");
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
    throw badInput("A date must be written YYYY-MM-DD");
  },
});

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
