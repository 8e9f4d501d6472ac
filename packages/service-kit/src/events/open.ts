import { env } from "../config";
import { ensureDatabase } from "../database";
import type { Logger } from "../logger";
import type { EventBus } from "./bus";
import { NatsEventBus } from "./nats-bus";
import { PgEventBus } from "./pg-bus";

/**
 * The bus the configuration names: BUS_URL=nats://... for NATS JetStream, else PostgreSQL
 * (database `events` on `serverUrl`, or BUS_URL=postgresql://... for a database of its own).
 */
export async function openEventBus(serverUrl: string, logger?: Logger): Promise<EventBus> {
  const url = env().BUS_URL;
  if (url?.startsWith("nats://")) return NatsEventBus.open({ url, logger });
  if (url) return PgEventBus.open({ url, logger });
  return PgEventBus.open({ url: await ensureDatabase(serverUrl, "events"), logger });
}
