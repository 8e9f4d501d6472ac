import type { SubgraphContext } from "@concord/service-kit";
import { createLoaders, type Loaders } from "./loaders";

/** What every resolver of the agencies subgraph receives: the kit's context and its own loaders. */
export interface AgenciesContext extends SubgraphContext {
  /** Fresh for every request. */
  loaders: Loaders;
}

export const createContext = (base: SubgraphContext): AgenciesContext => ({ ...base, loaders: createLoaders(base.ds, base.clock) });
