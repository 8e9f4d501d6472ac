import {
  AckPolicy,
  connect,
  DeliverPolicy,
  RetentionPolicy,
  StorageType,
  type ConsumerMessages,
  type JetStreamClient,
  type NatsConnection,
} from "nats";
import type { BusMessage, BusSubscription, Delivery, EventBus } from "./bus";
import type { Logger } from "../logger";

/** Options of {@link NatsEventBus}. */
export interface NatsBusOptions {
  /** nats://host:port */
  url: string;
  /** @default "CONCORD_EVENTS" */
  stream?: string;
  /** Subject prefix. @default "concord.events" */
  prefix?: string;
  logger?: Logger;
}

/**
 * The bus for deployments with several instances: one JetStream stream for Concord's events,
 * durable pull consumers with explicit acks, redelivery of what was not acknowledged, and
 * de-duplication of republished event ids (Nats-Msg-Id) within the stream's window.
 */
export class NatsEventBus implements EventBus {
  readonly kind = "nats" as const;
  private readonly stream: string;
  private readonly prefix: string;

  private constructor(
    private readonly nc: NatsConnection,
    private readonly js: JetStreamClient,
    private readonly opts: NatsBusOptions,
  ) {
    this.stream = opts.stream ?? "CONCORD_EVENTS";
    this.prefix = opts.prefix ?? "concord.events";
  }

  static async open(opts: NatsBusOptions): Promise<NatsEventBus> {
    const u = new URL(opts.url);
    const nc = await connect({ servers: `${u.hostname}:${u.port || 4222}`, name: "concord", maxReconnectAttempts: -1 });
    const bus = new NatsEventBus(nc, nc.jetstream(), opts);
    const jsm = await nc.jetstreamManager();
    const config = {
      name: bus.stream,
      subjects: [`${bus.prefix}.>`],
      retention: RetentionPolicy.Limits,
      storage: StorageType.File,
      // Republished ids within this window are stored once (nanoseconds).
      duplicate_window: 10 * 60 * 1_000_000_000,
    };
    try {
      await jsm.streams.info(bus.stream);
      await jsm.streams.update(bus.stream, config);
    } catch {
      await jsm.streams.add(config);
    }
    return bus;
  }

  async publish(messages: BusMessage[]): Promise<void> {
    // One at a time, each acknowledged before the next: if one fails, none after it is stored
    // ahead of it, so the relay's retry keeps the stream in outbox order.
    for (const m of messages) await this.js.publish(`${this.prefix}.${m.subject}`, m.data, { msgID: m.id });
  }

  async subscribe(name: string, handler: (d: Delivery) => Promise<void>): Promise<BusSubscription> {
    const jsm = await this.nc.jetstreamManager();
    try {
      await jsm.consumers.info(this.stream, name);
    } catch {
      await jsm.consumers.add(this.stream, {
        durable_name: name,
        ack_policy: AckPolicy.Explicit,
        deliver_policy: DeliverPolicy.All,
        ack_wait: 30 * 1_000_000_000,
        // One message in flight: delivery stays in stream order even across redeliveries.
        max_ack_pending: 1,
      });
    }
    const consumer = await this.js.consumers.get(this.stream, name);
    let messages: ConsumerMessages | undefined;
    let stopped = false;
    const loop = (async () => {
      while (!stopped) {
        messages = await consumer.consume({ max_messages: 100 });
        for await (const m of messages) {
          try {
            await handler({ seq: m.seq, subject: m.subject.slice(this.prefix.length + 1), data: m.string() });
            await m.ackAck();
          } catch (err) {
            this.opts.logger?.warn({ err, consumer: name, seq: m.seq }, "delivery failed; redelivering");
            m.nak(Math.min(30_000, 200 * 2 ** Math.min(m.info.redeliveryCount, 8)));
          }
          if (stopped) break;
        }
      }
    })().catch((err) => {
      if (!stopped) this.opts.logger?.error({ err, consumer: name }, "consumer loop ended");
    });
    return {
      stop: async () => {
        stopped = true;
        messages?.stop();
        await loop;
      },
    };
  }

  async close(): Promise<void> {
    await this.nc.drain();
  }
}
