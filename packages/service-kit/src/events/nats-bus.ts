import {
  AckPolicy,
  connect,
  DeliverPolicy,
  RetentionPolicy,
  StorageType,
  type ConsumerMessages,
  type JetStreamClient,
  type JetStreamManager,
  type JsMsg,
  type NatsConnection,
} from "nats";
import type { BusMessage, BusSubscription, Delivery, EventBus, LogEntry } from "./bus";
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
    private readonly jsm: JetStreamManager,
    private readonly opts: NatsBusOptions,
  ) {
    this.stream = opts.stream ?? "CONCORD_EVENTS";
    this.prefix = opts.prefix ?? "concord.events";
  }

  static async open(opts: NatsBusOptions): Promise<NatsEventBus> {
    const u = new URL(opts.url);
    const nc = await connect({ servers: `${u.hostname}:${u.port || 4222}`, name: "concord", maxReconnectAttempts: -1 });
    const jsm = await nc.jetstreamManager();
    const bus = new NatsEventBus(nc, nc.jetstream(), jsm, opts);
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

  /** Removes a stream and everything in it (tests and benchmarks give each run a stream of its own). */
  static async deleteStream(opts: { url: string; stream: string }): Promise<void> {
    const u = new URL(opts.url);
    const nc = await connect({ servers: `${u.hostname}:${u.port || 4222}` });
    try {
      await (await nc.jetstreamManager()).streams.delete(opts.stream).catch(() => false);
    } finally {
      await nc.close();
    }
  }

  async publish(messages: BusMessage[]): Promise<void> {
    // One at a time, each acknowledged before the next: if one fails, none after it is stored
    // ahead of it, so the relay's retry keeps the stream in outbox order.
    for (const m of messages) await this.js.publish(`${this.prefix}.${m.subject}`, m.data, { msgID: m.id });
  }

  async subscribe(consumerName: string, handler: (d: Delivery) => Promise<void>): Promise<BusSubscription> {
    // JetStream durable names may not hold '.', '*', '>' or spaces; Concord's are `<subgraph>.<purpose>`.
    const name = consumerName.replace(/[.*>\s]/g, "_");
    try {
      await this.jsm.consumers.info(this.stream, name);
    } catch {
      await this.jsm.consumers.add(this.stream, {
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

  async head(): Promise<number> {
    return (await this.jsm.streams.info(this.stream)).state.last_seq;
  }

  /**
   * One fetch from an ordered (ephemeral, unacknowledged) consumer that starts after `after`.
   * Its count of pending messages says how many are stored, gaps left out, so the fetch asks for
   * exactly what is there and never waits out its expiry for messages that do not exist.
   */
  async read(after: number, limit: number): Promise<LogEntry[]> {
    const consumer = await this.js.consumers.get(this.stream, { opt_start_seq: after + 1 });
    try {
      // The ordered consumer is created on the server by its first info().
      const wanted = Math.min(limit, (await consumer.info()).num_pending);
      if (wanted <= 0) return [];
      const entries: LogEntry[] = [];
      for await (const m of await consumer.fetch({ max_messages: wanted, expires: 5_000 })) entries.push(this.entry(m));
      return entries;
    } finally {
      await consumer.delete().catch(() => undefined);
    }
  }

  /**
   * An ordered consumer per tail: pushed to as soon as a message is stored (no polling), and
   * recreated by the client after a reconnect or a missed message. Should its iterator end
   * anyway, the tail starts a new one after the last message it handed over.
   */
  async tail(after: number, handler: (e: LogEntry) => Promise<void> | void): Promise<BusSubscription> {
    let stopped = false;
    let last = after;
    let messages: ConsumerMessages | undefined;
    let wake: (() => void) | undefined;

    const connected = () => !this.nc.isClosed() && !this.nc.isDraining();

    const session = async () => {
      const consumer = await this.js.consumers.get(this.stream, { opt_start_seq: last + 1 });
      let current: ConsumerMessages | undefined;
      try {
        current = messages = await consumer.consume({ max_messages: 100 });
        if (stopped) return;
        for await (const m of current) {
          // A consumer whose start lies beyond the stream's end starts at the end instead.
          if (m.seq <= last) continue;
          try {
            await handler(this.entry(m));
          } catch (err) {
            this.opts.logger?.warn({ err, seq: m.seq }, "tail handler failed; skipping the message");
          }
          last = m.seq;
          if (stopped) break;
        }
      } finally {
        current?.stop();
        await consumer.delete().catch(() => undefined);
      }
    };

    const loop = (async () => {
      while (!stopped && connected()) {
        try {
          await session();
        } catch (err) {
          if (stopped || !connected()) return;
          this.opts.logger?.warn({ err, after: last }, "tail failed; restarting");
        }
        if (stopped || !connected()) return;
        await new Promise<void>((resolve) => {
          wake = resolve;
          setTimeout(resolve, 1000);
        });
      }
    })();
    return {
      stop: async () => {
        stopped = true;
        messages?.stop();
        wake?.();
        await loop;
      },
    };
  }

  private entry(m: JsMsg): LogEntry {
    return {
      seq: m.seq,
      subject: m.subject.slice(this.prefix.length + 1),
      data: m.string(),
      publishedAt: new Date(Math.floor(m.info.timestampNanos / 1_000_000)),
    };
  }

  async close(): Promise<void> {
    await this.nc.drain();
  }
}
