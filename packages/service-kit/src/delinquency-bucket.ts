import { registerEnumType } from "type-graphql";

/**
 * Days past due, grouped. Defined once for every subgraph: federation composes an enum that
 * one subgraph returns and another takes as input only when every definition is identical.
 */
export enum DelinquencyBucket {
  DPD_1_30 = "DPD_1_30",
  DPD_31_60 = "DPD_31_60",
  DPD_61_90 = "DPD_61_90",
  DPD_91_180 = "DPD_91_180",
  DPD_180_PLUS = "DPD_180_PLUS",
}
registerEnumType(DelinquencyBucket, {
  name: "DelinquencyBucket",
  description: "Days past due, grouped: 1-30, 31-60, 61-90, 91-180, more than 180.",
});
