/** The four kinds of caller. */
export const ROLES = ["lender", "agency", "borrower", "auditor"] as const;
export type Role = (typeof ROLES)[number];

/**
 * Who is calling, as the gateway verified it from the caller's JWT and as every subgraph
 * receives it in the internal token. Exactly the id that goes with the role is set.
 */
export interface Principal {
  /** The JWT subject: the user or system acting. */
  sub: string;
  role: Role;
  lenderId?: string;
  agencyId?: string;
  borrowerId?: string;
  /** OAuth scopes granted to the token. */
  scope: string[];
}

/** The claim that carries each role's own id. */
export const ROLE_ID_CLAIM: Record<Role, "lender_id" | "agency_id" | "borrower_id" | null> = {
  lender: "lender_id",
  agency: "agency_id",
  borrower: "borrower_id",
  auditor: null,
};
