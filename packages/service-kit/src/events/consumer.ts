import type { DataSource, EntityManager } from "typeorm";
import type { BusSubscription, Delivery, EventBus } from "./bus";
import { parseEnvelope, type EventEnvelope } from "./envelope";
import type { Logger } from "../logger";

/** Options of {@link startConsumer}. */
export interface ConsumerOptions {
  /** Durable consumer name, unique per purpose (for example "agencies.case-facts"). */
  name: string;
  bus: EventBus;
  /** The consumer's own database, holding its inbox and dead-letter tables. */
  ds: DataSource;
  /** The effect of one event, inside the transaction that also records it in the inbox. */
  handle(event: EventEnvelope, tx: EntityManager): Promise<void>;
  /** Attempts before an event goes to the dead-letter table. @default 5 */
  maxAttempts?: number;
  /** First retry delay, doubled each time. @default 100 */
  backoffMs?: number;
  logger?: Logger;
}

/**
 * Runs a consumer that is idempotent by event id: each event's effect and its inbox row commit
 * together, so a redelivered event finds its id and does nothing. Events arrive one at a time
 * in bus order (so per aggregate in order). A handler that throws is retried with backoff;
 * an event that cannot be parsed, or fails `maxAttempts` times, goes to the dead-letter table
 * with the reason, and the consumer goes on with the next.
 */
export async function startConsumer(opts: ConsumerOptions): Promise<BusSubscription> {
  const maxAttempts = opts.maxAttempts ?? 5;
  const backoff = opts.backoffMs ?? 100;
  const log = opts.logger?.child({ consumer: opts.name });

  const deadLetter = async (d: Delivery, eventId: string | null, reason: string, attempts: number) => {
    await opts.ds.query(
      `INSERT INTO dead_letter (consumer, event_id, subject, data, reason, attempts)
       VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (consumer, event_id) DO NOTHING`,
      [opts.name, eventId ?? `seq:${d.seq}`, d.subject, d.data, reason.slice(0, 2000), attempts],
    );
    log?.error({ eventId, seq: d.seq, reason, attempts }, "event dead-lettered");
  };

  return opts.bus.subscribe(opts.name, async (d) => {
    let event: EventEnvelope;
    try {
      event = parseEnvelope(d.data);
    } catch (err) {
      await deadLetter(d, null, (err as Error).message, 0);
      return;
    }
    for (let attempt = 1; ; attempt++) {
      try {
        await opts.ds.transaction(async (tx) => {
          const fresh = await tx.query(
            "INSERT INTO inbox (consumer, event_id) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING event_id",
            [opts.name, event.id],
          );
          if (fresh.length === 0) return; // seen before: its effect is already committed
          await opts.handle(event, tx);
        });
        return;
      } catch (err) {
        // The consumer's own database failing is not the event's fault: let the bus deliver it
        // again later instead of dead-lettering a healthy event.
        if (isTransient(err)) throw err;
        if (attempt >= maxAttempts) {
          await deadLetter(d, event.id, (err as Error).message ?? String(err), attempt);
          return;
        }
        log?.warn({ err, eventId: event.id, attempt }, "handler failed; retrying");
        await new Promise((r) => setTimeout(r, backoff * 2 ** (attempt - 1)));
      }
    }
  });
}

/**
 * Connection loss, server shutdown, deadlocks, serialisation failures and lock timeouts: the
 * same event will very likely succeed later.
 */
export function isTransient(err: unknown): boolean {
  const code = (err as { code?: string; driverError?: { code?: string } })?.driverError?.code ?? (err as { code?: string })?.code;
  if (typeof code !== "string") return /Connection terminated|ECONNREFUSED|ECONNRESET/.test(String((err as Error)?.message));
  return code.startsWith("08") || ["40001", "40P01", "55P03", "57P01", "57P02", "57P03", "53300"].includes(code);
}
