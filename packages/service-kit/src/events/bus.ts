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
  close(): Promise<void>;
}

export const subjectOf = (e: { aggregateType: string; type: string }) => `${e.aggregateType}.${e.type}`;
