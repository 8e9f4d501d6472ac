import { pino, type Logger } from "pino";
import { env } from "./config";

export type { Logger };

/** Structured JSON logs, one line an event. Never log borrower PII. */
export function createLogger(service: string): Logger {
  return pino({
    name: service,
    level: env().LOG_LEVEL,
    base: { service },
    timestamp: pino.stdTimeFunctions.isoTime,
  });
}
