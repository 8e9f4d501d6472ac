import { runSubgraph } from "@concord/service-kit";
import { start } from "./index";

/** Process entry: `tsx subgraphs/restructuring/src/main.ts`. */
await runSubgraph("restructuring", start);
