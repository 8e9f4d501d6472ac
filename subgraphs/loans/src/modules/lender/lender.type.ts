import { Directive, Field, ID, ObjectType } from "type-graphql";
import { Policy } from "@concord/service-kit";
import { P } from "../../access/policies";

@Directive(`@key(fields: "id")`)
@ObjectType({ description: "A lender whose portfolio Concord collects on." })
export class Lender {
  @Policy(P.public)
  @Field(() => ID)
  id: string;

  @Policy(P.public)
  @Field(() => String)
  name: string;

  @Policy(P.public)
  @Field(() => String, { description: "IANA time zone the lender's business dates are kept in." })
  timezone: string;

  @Policy(P.public)
  @Field(() => String, { description: "ISO 4217 currency of the lender's loans." })
  currency: string;
}

export function lenderFromRow(r: Record<string, any>): Lender {
  return Object.assign(new Lender(), { id: r.id, name: r.name, timezone: r.timezone, currency: r.currency.trim() });
}
