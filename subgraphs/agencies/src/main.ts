import { runSubgraph } from "@concord/service-kit";
import { start } from "./index";

/** Process entry: `tsx subgraphs/agencies/src/main.ts`. */
await runSubgraph("agencies", start);
