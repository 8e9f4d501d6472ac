import type { GraphQLError } from "graphql";
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
  /** Set when live events were let go of during the replay: the replay reads them from the bus again. */
  pendingDropped = false;
  private readonly queue: Delivery[] = [];
  private waiting?: { resolve: (r: IteratorResult<Delivery>) => void; reject: (err: unknown) => void };
  private roomWaiter?: () => void;
  private failure?: GraphQLError;
  private ended = false;
  /** Who shares resolutions with whom: the same rights, the same selection (fixed for its life). */
  readonly groupKey: string;

  constructor(
    readonly principal: Principal,
    readonly plan: SubscriptionPlan,
    private readonly limit: number,
    /** Closes the subscriber's connection (the hub calls it for a slow consumer). */
    readonly close: (why: CloseReason) => void,
    /** Called once when the subscription ends, whoever ends it. */
    private readonly onEnd: (s: Subscriber) => void,
  ) {
    const p = principal;
    this.groupKey = `${p.role}:${p.lenderId ?? p.agencyId ?? p.borrowerId ?? p.sub}:${p.scope.join(" ")}\u0000${plan.key}`;
  }


  /** True once nothing more will be queued: returned, or failed. */
  get closed(): boolean {
    return this.ended || this.failure !== undefined;
  }

  /** Queues one payload; false (and the subscriber closed) when its queue is full. */
  push(d: Delivery, seq: number): boolean {
    if (this.closed || seq <= this.lastSeq) return !this.closed;
    this.lastSeq = seq;
    if (this.waiting) {
      const w = this.waiting;
      this.waiting = undefined;
      w.resolve({ value: d, done: false });
      return true;
    }
    if (this.queue.length >= this.limit) return this.tooSlow();
    this.queue.push(d);
    return true;
  }

  /**
   * Holds a live event for after the replay. Past the limit the held events are let go of: the
   * bus has them all, and the replay reads on until it is truly caught up.
   */
  hold(entry: LogEntry): void {
    if (this.pendingDropped) return;
    if (this.pending.length >= this.limit) {
      this.pending.length = 0;
      this.pendingDropped = true;
      return;
    }
    this.pending.push(entry);
  }

  /** Resolves once the client has taken enough of its queue for more (the replay waits on it). */
  room(): Promise<void> {
    if (this.ended || this.queue.length < this.limit / 2) return Promise.resolve();
    return new Promise((resolve) => (this.roomWaiter = resolve));
  }

  /**
   * Ends the subscription with an error the client sees (graphql-ws `error`), its other
   * subscriptions on the connection untouched; what it has queued is sent first.
   */
  fail(error: GraphQLError): void {
    if (this.closed) return;
    this.failure = error;
    // graphql-ws does not call return() after an error: let the hub forget it now.
    this.onEnd(this);
    if (this.waiting) {
      const w = this.waiting;
      this.waiting = undefined;
      w.reject(error);
    }
  }

  private tooSlow(): false {
    this.close({ code: WS_CLOSE_CODES.SLOW_CONSUMER, reason: `Too slow: ${this.limit} updates waiting; reconnect and resume after your last cursor` });
    void this.return();
    return false;
  }

  next(): Promise<IteratorResult<Delivery>> {
    const d = this.queue.shift();
    if (this.roomWaiter && this.queue.length < this.limit / 2) {
      this.roomWaiter();
      this.roomWaiter = undefined;
    }
    if (d) return Promise.resolve({ value: d, done: false });
    if (this.ended) return Promise.resolve({ value: undefined, done: true });
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => (this.waiting = { resolve, reject }));
  }

  return(): Promise<IteratorResult<Delivery>> {
    if (!this.ended) {
      const failed = this.failure !== undefined;
      this.ended = true;
      this.queue.length = 0;
      this.pending.length = 0;
      this.waiting?.resolve({ value: undefined, done: true });
      this.waiting = undefined;
      this.roomWaiter?.();
      this.roomWaiter = undefined;
      if (!failed) this.onEnd(this);
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
