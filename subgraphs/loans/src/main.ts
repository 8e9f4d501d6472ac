import { runSubgraph } from "@concord/service-kit";
import { start } from "./index";

/** Process entry: `tsx subgraphs/loans/src/main.ts`. */
await runSubgraph("loans", start);
