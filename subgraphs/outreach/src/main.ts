import { runSubgraph } from "@concord/service-kit";
import { start } from "./index";

/** Process entry: `tsx subgraphs/outreach/src/main.ts`. */
await runSubgraph("outreach", start);
