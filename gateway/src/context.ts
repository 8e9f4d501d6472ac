import type { Principal } from "@concord/schema";
import type { Logger } from "@concord/service-kit";

/** Per-request context of the gateway. */
export interface GatewayContext {
  requestId: string;
  logger: Logger;
  /** The verified caller. */
  principal: Principal;
}
