import { registerEnumType } from "type-graphql";
import { CHANNELS, DIRECTIONS, JURISDICTIONS, OUTCOMES, PARTIES, RULE_NAMES } from "@concord/service-kit";

/** A GraphQL enum of a list of names the contact engine declares (one source for both). */
function enumOf<T extends string>(values: readonly T[], name: string, description: string): { [K in T]: K } {
  const e = Object.fromEntries(values.map((v) => [v, v])) as { [K in T]: K };
  registerEnumType(e, { name, description });
  return e;
}

export const ChannelEnum = enumOf(CHANNELS, "Channel", "How a collector reaches a borrower.");
export const DirectionEnum = enumOf(DIRECTIONS, "ContactDirection", "OUTBOUND: the collector reached out; INBOUND: the borrower (or someone) contacted the collector.");
export const OutcomeEnum = enumOf(
  OUTCOMES,
  "ActivityOutcome",
  "What came of a contact. A call attempt is one that connected, rang out or reached voicemail: BUSY, NOT_IN_SERVICE and FAILED are not attempts.",
);
export const PartyEnum = enumOf(PARTIES, "ContactParty", "Whom the contact reached: the borrower (DEBTOR) or someone else (THIRD_PARTY, a violation under CN_NIFA).");
export const JurisdictionEnum = enumOf(JURISDICTIONS, "Jurisdiction", "The law a lender's contact profile follows: US_REG_F (Regulation F), CN_NIFA (NIFA 2024 / GB/T 45251-2025), UK_FCA (CONC 7).");
export const RuleEnum = enumOf(RULE_NAMES, "ContactRule", "A contact rule of the compliance engine (README \"Contact rules\" says what each checks).");
