import type { Principal } from "@concord/schema";
import type { Logger } from "@concord/service-kit";

/** Per-request context of the gateway. */
export interface GatewayContext {
  /** The gateway's own id of the request (a caller's x-request-id is only logged, as clientRequestId). */
  requestId: string;
  logger: Logger;
  /** The verified caller. */
  principal: Principal;
  /** Set when the gateway resolves a subscription event for a subscriber (not an HTTP request). */
  subscription?: boolean;
  /** The event being resolved, as its directory mark: subgraphs answer once their case directories have it. */
  directoryAfter?: string;
}
