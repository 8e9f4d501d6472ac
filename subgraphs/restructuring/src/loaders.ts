import type DataLoader from "dataloader";
import type { DataSource } from "typeorm";
import { byIdLoader, groupedLoader } from "@concord/service-kit";
import { offerFromRow, type Offer } from "./modules/offers/offer.type";
import { planFromRow, type Plan } from "./modules/plans/plan.type";
import { legalEscalationFromRow, type LegalEscalation } from "./modules/legal/legal.type";

/** A plan row with its instalments and history, in one statement (amounts as text: JSON has no 64-bit integers). */
const PLAN_SELECT = `SELECT p.*, COALESCE((SELECT json_agg(json_build_object('sequence', i.sequence, 'due_date', i.due_date, 'amount_minor', i.amount_minor::text,
                              'paid_minor', i.paid_minor::text, 'status', i.status, 'paid_at', i.paid_at) ORDER BY i.sequence)
                       FROM plan_instalment i WHERE i.plan_id = p.id), '[]') AS instalment_rows,
                     COALESCE((SELECT json_agg(json_build_object('at', e.at, 'change', e.change, 'status', e.status, 'paid_minor', e.paid_minor::text) ORDER BY e.version)
                       FROM plan_event e WHERE e.plan_id = p.id), '[]') AS history_rows
                     FROM plan p`;

const plan = (r: Record<string, any>) => planFromRow(r, r.instalment_rows, r.history_rows);

/** Per-request batching of every entity reference and list field. */
export interface Loaders {
  offer: DataLoader<string, Offer | null>;
  offersByCase: DataLoader<string, Offer[]>;
  plan: DataLoader<string, Plan | null>;
  plansByCase: DataLoader<string, Plan[]>;
  legalEscalationByCase: DataLoader<string, LegalEscalation | null>;
}

export function createLoaders(ds: DataSource): Loaders {
  return {
    offer: byIdLoader(ds, "SELECT * FROM offer WHERE id = ANY($1::uuid[])", offerFromRow),
    offersByCase: groupedLoader(ds, "SELECT * FROM offer WHERE case_id = ANY($1::uuid[]) ORDER BY case_id, created_at, id", "case_id", offerFromRow),
    plan: byIdLoader(ds, `${PLAN_SELECT} WHERE p.id = ANY($1::uuid[])`, plan),
    plansByCase: groupedLoader(ds, `${PLAN_SELECT} WHERE p.case_id = ANY($1::uuid[]) ORDER BY p.case_id, p.started_at, p.id`, "case_id", plan),
    legalEscalationByCase: byIdLoader(ds, "SELECT * FROM legal_escalation WHERE case_id = ANY($1::uuid[])", legalEscalationFromRow, "case_id"),
  };
}
