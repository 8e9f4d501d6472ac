import type { DataSource } from "typeorm";
import type { Clock, Logger } from "@concord/service-kit";
import { createLoaders, type Loaders } from "./loaders";

/** What every resolver of the loans subgraph receives. */
export interface LoansContext {
  requestId: string;
  logger: Logger;
  ds: DataSource;
  clock: Clock;
  /** Fresh for every request. */
  loaders: Loaders;
}

export function createContext(base: { ds: DataSource; clock: Clock }, requestId: string, logger: Logger): LoansContext {
  return { ...base, requestId, logger, loaders: createLoaders(base.ds) };
}
