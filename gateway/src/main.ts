import { createLogger, env, stopOnSignals } from "@concord/service-kit";
import { start } from "./index";

/** Process entry: `tsx gateway/src/main.ts`. */
const e = env();
const server = await start({
  supergraphPath: e.supergraphPath,
  port: e.PORT,
  host: e.HOST,
  subgraphUrls: e.subgraphUrls,
  logger: createLogger("gateway"),
  landingPage: e.NODE_ENV !== "production",
});
stopOnSignals(server);
