import type { LoansContext } from "../context";

/**
 * Whether the caller is an agency that once held one of the cases `caseIds` gives (its placement
 * since ended): it knows they exist, so a refusal may say FORBIDDEN rather than NOT_FOUND.
 * For visibleOrNotFound's `known`.
 */
export const heldOnce =
  (ctx: LoansContext, caseIds: () => Promise<string[]> | string[]) =>
  async (): Promise<boolean> =>
    ctx.principal.role === "agency" && !!ctx.principal.agencyId && ctx.directory.heldEver(ctx.principal.agencyId, await caseIds());
