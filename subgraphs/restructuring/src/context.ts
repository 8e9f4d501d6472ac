import type { SubgraphContext } from "@concord/service-kit";
import { createLoaders, type Loaders } from "./loaders";

/** What every resolver of the restructuring subgraph receives: the kit's context and its own loaders. */
export interface RestructuringContext extends SubgraphContext {
  /** Fresh for every request. */
  loaders: Loaders;
}

export const createContext = (base: SubgraphContext): RestructuringContext => ({ ...base, loaders: createLoaders(base.ds) });
