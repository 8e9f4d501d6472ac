import { WS_CLOSE_CODES, type Principal } from "@concord/schema";
import type { LogEntry } from "@concord/service-kit";
import type { Delivery, SubscriptionPlan } from "./plan";

/** Why a subscriber is closed from the gateway's side. */
export type CloseReason = { code: number; reason: string };

/**
 * One open subscription: its principal and plan, where it stands on the bus, and a bounded queue
 * of payloads the WebSocket has not sent yet. graphql-ws pulls payloads through the async
 * iterator; when the client reads too slowly the queue fills and the subscriber is closed rather
 * than allowed to hold unbounded memory.
 */
export class Subscriber implements AsyncIterableIterator<Delivery> {
  /** The last bus sequence delivered or passed over; nothing at or before it is sent again. */
  lastSeq = 0;
  /** True while missed events are replayed; live events wait in `pending` meanwhile. */
  replaying = false;
  readonly pending: LogEntry[] = [];
  private readonly queue: Delivery[] = [];
  private waiting?: (r: IteratorResult<Delivery>) => void;
  private ended = false;

  constructor(
    readonly principal: Principal,
    readonly plan: SubscriptionPlan,
    private readonly limit: number,
    /** Closes the subscriber's connection (the hub calls it for a slow consumer). */
    readonly close: (why: CloseReason) => void,
    /** Called once when the subscription ends, whoever ends it. */
    private readonly onEnd: (s: Subscriber) => void,
  ) {}

  /** Who shares resolutions with whom: the same rights, the same selection. */
  get groupKey(): string {
    const p = this.principal;
    return `${p.role}:${p.lenderId ?? p.agencyId ?? p.borrowerId ?? p.sub}:${p.scope.join(" ")}\u0000${this.plan.key}`;
  }

  get closed(): boolean {
    return this.ended;
  }

  /** Queues one payload; false (and the subscriber closed) when its queue is full. */
  push(d: Delivery, seq: number): boolean {
    if (this.ended || seq <= this.lastSeq) return !this.ended;
    this.lastSeq = seq;
    if (this.waiting) {
      const w = this.waiting;
      this.waiting = undefined;
      w({ value: d, done: false });
      return true;
    }
    if (this.queue.length >= this.limit) {
      return this.tooSlow();
    }
    this.queue.push(d);
    return true;
  }

  /** Holds a live event for after the replay; false (and the subscriber closed) when too many wait. */
  hold(entry: LogEntry): boolean {
    if (this.pending.length >= this.limit) {
      return this.tooSlow();
    }
    this.pending.push(entry);
    return true;
  }

  private tooSlow(): false {
    this.close({ code: WS_CLOSE_CODES.SLOW_CONSUMER, reason: `Too slow: ${this.limit} updates waiting; reconnect and resume after your last cursor` });
    void this.return();
    return false;
  }

  next(): Promise<IteratorResult<Delivery>> {
    const d = this.queue.shift();
    if (d) return Promise.resolve({ value: d, done: false });
    if (this.ended) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => (this.waiting = resolve));
  }

  return(): Promise<IteratorResult<Delivery>> {
    if (!this.ended) {
      this.ended = true;
      this.queue.length = 0;
      this.pending.length = 0;
      this.waiting?.({ value: undefined, done: true });
      this.waiting = undefined;
      this.onEnd(this);
    }
    return Promise.resolve({ value: undefined, done: true });
  }

  throw(err: unknown): Promise<IteratorResult<Delivery>> {
    void this.return();
    return Promise.reject(err);
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}
