import type { DataSource } from "typeorm";
import type { Principal } from "@concord/schema";
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
  /** The caller, from the gateway's internal token. */
  principal: Principal;
}

export function createContext(
  base: { ds: DataSource; clock: Clock },
  requestId: string,
  logger: Logger,
  principal: Principal,
): LoansContext {
  return { ...base, requestId, logger, principal, loaders: createLoaders(base.ds) };
}
