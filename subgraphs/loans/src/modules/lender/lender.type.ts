import { Directive, Field, ID, ObjectType } from "type-graphql";

@Directive(`@key(fields: "id")`)
@ObjectType({ description: "A lender whose portfolio Concord collects on." })
export class Lender {
  @Field(() => ID)
  id: string;

  @Field(() => String)
  name: string;

  @Field(() => String, { description: "IANA time zone the lender's business dates are kept in." })
  timezone: string;

  @Field(() => String, { description: "ISO 4217 currency of the lender's loans." })
  currency: string;
}

export function lenderFromRow(r: Record<string, any>): Lender {
  return Object.assign(new Lender(), { id: r.id, name: r.name, timezone: r.timezone, currency: r.currency.trim() });
}
