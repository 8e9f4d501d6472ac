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
  /** Only events of the subjects it accepts reach the handler; the rest pass by. @default every subject */
  accepts?: (subject: string) => boolean;
  /** Attempts before an event goes to the dead-letter table. @default 5 */
  maxAttempts?: number;
  /** First retry delay, doubled each time. @default 100 */
  backoffMs?: number;
  logger?: Logger;
  /**
   * Events of these subjects are never dead-lettered on their own: one that cannot be parsed or
   * applied stops the consumer on it (the bus delivers it again, with back-off, until it
   * applies) and is reported to `hold`. For read models whose missed event would leave access on.
   * @default none
   */
  failClosed?: (subject: string) => boolean;
  /** Where a consumer stopped by a fail-closed event reports it; required with `failClosed`. */
  hold?: ConsumerHold;
}

/** What a fail-closed consumer tells, and asks, while it is stopped on an event. */
export interface ConsumerHold {
  /** The consumer stopped on the alert's event (called once per event). */
  raise(alert: ConsumerAlert): Promise<void>;
  /** Whether an operator released that event: it then goes to dead_letter and the consumer goes on. */
  released(alert: ConsumerAlert): Promise<boolean>;
  /** The consumer is no longer stopped (the event applied after all, or was released). */
  clear(consumer: string): Promise<void>;
}

/** A consumer that stopped on an event it must not skip. */
export interface ConsumerAlert {
  consumer: string;
  eventId: string | null;
  subject: string;
  seq: number;
  reason: string;
  since: string;
}

/** A {@link ConsumerHold} that keeps its alerts in memory, for a service's health to report. */
export class ConsumerAlerts implements ConsumerHold {
  private readonly open = new Map<string, ConsumerAlert>();
  async raise(a: ConsumerAlert): Promise<void> {
    this.open.set(a.consumer, a);
  }
  async released(_alert: ConsumerAlert): Promise<boolean> {
    return false;
  }
  async clear(consumer: string): Promise<void> {
    this.open.delete(consumer);
  }
  list(): ConsumerAlert[] {
    return [...this.open.values()];
  }
}

/** Thrown to hold a fail-closed consumer on its event: the bus delivers it again later. */
class HeldOnEvent extends Error {}

/**
 * Runs a consumer that is idempotent by event id: each event's effect and its inbox row commit
 * together, so a redelivered event finds its id and does nothing. Events arrive one at a time
 * in bus order (so per aggregate in order). A handler that throws is retried with backoff;
 * an event that cannot be parsed, or fails `maxAttempts` times, goes to the dead-letter table
 * with the reason, and the consumer goes on with the next, unless its subject is fail-closed
 * (then the consumer stops on it and raises an alert).
 */
export async function startConsumer(opts: ConsumerOptions): Promise<BusSubscription> {
  const maxAttempts = opts.maxAttempts ?? 5;
  const backoff = opts.backoffMs ?? 100;
  const log = opts.logger?.child({ consumer: opts.name });

  let held: ConsumerAlert | null = null;
  /** Stops on the event (throws, so the bus delivers it again), unless an operator released it. */
  const halt = async (d: Delivery, eventId: string | null, reason: string, attempts: number): Promise<void> => {
    if (held?.seq !== d.seq) {
      held = { consumer: opts.name, eventId, subject: d.subject, seq: d.seq, reason: reason.slice(0, 2000), since: new Date().toISOString() };
      await opts.hold?.raise(held);
      log?.error(held, "consumer stopped: an event that ends access could not be applied, and it is never skipped");
    }
    if (opts.hold && (await opts.hold.released(held))) {
      await deadLetter(d, eventId, `released by an operator: ${reason}`, attempts);
      held = null;
      await opts.hold.clear(opts.name);
      return;
    }
    throw new HeldOnEvent(reason);
  };

  const deadLetter = async (d: Delivery, eventId: string | null, reason: string, attempts: number) => {
    await opts.ds.query(
      `INSERT INTO dead_letter (consumer, event_id, subject, data, reason, attempts)
       VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (consumer, event_id) DO NOTHING`,
      [opts.name, eventId ?? `seq:${d.seq}`, d.subject, d.data, reason.slice(0, 2000), attempts],
    );
    log?.error({ eventId, seq: d.seq, reason, attempts }, "event dead-lettered");
  };

  return opts.bus.subscribe(opts.name, async (d) => {
    if (opts.accepts && !opts.accepts(d.subject)) return;
    const closed = opts.failClosed?.(d.subject) === true;
    let event: EventEnvelope;
    try {
      event = parseEnvelope(d.data);
    } catch (err) {
      if (closed) return halt(d, null, (err as Error).message, 0);
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
        if (held) {
          held = null;
          await opts.hold?.clear(opts.name);
        }
        return;
      } catch (err) {
        // The consumer's own database failing is not the event's fault: let the bus deliver it
        // again later instead of dead-lettering a healthy event.
        if (isTransient(err)) throw err;
        if (attempt >= maxAttempts) {
          if (closed) return halt(d, event.id, (err as Error).message ?? String(err), attempt);
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
