/**
 * The event bus: one contract, two adapters (PostgreSQL by default, NATS JetStream for
 * deployments with several instances). Delivery is at least once and in publish order;
 * consumers make it exactly once in effect with an inbox (see consumer.ts).
 */

/** One message as the bus carries it. */
export interface BusMessage {
  /** The event id; a republished id is stored and delivered once. */
  id: string;
  /** `<AggregateType>.<EventType>`. */
  subject: string;
  /** The serialised envelope. */
  data: string;
}

/** One delivery to a consumer. */
export interface Delivery {
  /** The bus's own sequence number: increases in publish order. */
  seq: number;
  subject: string;
  data: string;
}

/** One entry of the bus's log as a reader sees it. */
export interface LogEntry extends Delivery {
  /** When the bus stored it. */
  publishedAt: Date;
}

export interface BusSubscription {
  /** Stops delivering; the consumer's position is kept for the next subscribe. */
  stop(): Promise<void>;
}

export interface EventBus {
  readonly kind: "postgres" | "nats";
  /** Resolves once every message is durably stored on the bus, in order. */
  publish(messages: BusMessage[]): Promise<void>;
  /**
   * Delivers every message the durable consumer `name` has not acknowledged, oldest first, one at
   * a time. A handler that resolves acknowledges; one that rejects has the message delivered again.
   */
  subscribe(name: string, handler: (d: Delivery) => Promise<void>): Promise<BusSubscription>;
  /** The sequence of the newest stored message; 0 when the bus is empty. */
  head(): Promise<number>;
  /**
   * Up to `limit` stored messages with a sequence greater than `after`, oldest first. A plain
   * read of the log: no consumer, no position kept. Sequences may have gaps.
   */
  read(after: number, limit: number): Promise<LogEntry[]>;
  /**
   * Calls `handler` for every message with a sequence greater than `after`, in order, first the
   * stored ones and then each as it is published, until stopped. Unlike `subscribe`, a tail is
   * not durable and not exclusive: every process that tails sees every message (the gateways'
   * fan-out). The next message is handed over only after `handler` settles; a handler that
   * throws is logged and the tail goes on (a tail does not redeliver).
   */
  tail(after: number, handler: (e: LogEntry) => Promise<void> | void): Promise<BusSubscription>;
  close(): Promise<void>;
}

export { subjectOf } from "@concord/schema";
