import type { SubgraphContext } from "@concord/service-kit";
import { createLoaders, type Loaders } from "./loaders";

/** What every resolver of the outreach subgraph receives: the kit's context and its own loaders. */
export interface OutreachContext extends SubgraphContext {
  /** Fresh for every request. */
  loaders: Loaders;
}

export const createContext = (base: SubgraphContext): OutreachContext => ({ ...base, loaders: createLoaders(base.ds) });
