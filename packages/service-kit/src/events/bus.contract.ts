import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { BusMessage, EventBus, LogEntry } from "./bus";

/**
 * The one behaviour every bus adapter must show. Each adapter's integration test runs it
 * against a real server.
 */
export function busContract(adapter: string, open: () => Promise<EventBus>): void {
  describe(`event bus contract: ${adapter}`, () => {
    let bus: EventBus;
    beforeAll(async () => {
      bus = await open();
    });
    afterAll(async () => bus?.close());

    const msg = (n: number, id = randomUUID()): BusMessage => ({ id, subject: "Test.Happened", data: JSON.stringify({ n }) });
    const consumer = () => `test-${randomUUID().slice(0, 8)}`;

    it("delivers every message to a durable consumer, in publish order", async () => {
      const marker = randomUUID();
      const batch = Array.from({ length: 20 }, (_, n) => ({ ...msg(n), data: JSON.stringify({ n, marker }) }));
      await bus.publish(batch.slice(0, 10));
      await bus.publish(batch.slice(10));
      // Collect only this test's messages (the stream may hold earlier tests' messages).
      const mine: number[] = [];
      const sub = await bus.subscribe(consumer(), async (d) => {
        const body = JSON.parse(d.data);
        if (body.marker === marker) mine.push(body.n);
      });
      await waitFor(() => mine.length === 20);
      await sub.stop();
      expect(mine).toEqual(Array.from({ length: 20 }, (_, n) => n));
    });

    it("takes consumer names in the subgraphs' `<subgraph>.<purpose>` form", async () => {
      const marker = randomUUID();
      await bus.publish([{ ...msg(0), data: JSON.stringify({ marker }) }]);
      let got = false;
      const sub = await bus.subscribe(`loans.${consumer()}`, async (d) => {
        if (JSON.parse(d.data).marker === marker) got = true;
      });
      await waitFor(() => got);
      await sub.stop();
    });

    it("stores and delivers a republished id once", async () => {
      const marker = randomUUID();
      const id = randomUUID();
      const m = { id, subject: "Test.Happened", data: JSON.stringify({ marker }) };
      await bus.publish([m]);
      await bus.publish([m]);
      await bus.publish([{ ...msg(1), data: JSON.stringify({ marker, last: true }) }]);
      const seen: string[] = [];
      let last = false;
      const sub = await bus.subscribe(consumer(), async (d) => {
        const body = JSON.parse(d.data);
        if (body.marker !== marker) return;
        if (body.last) last = true;
        else seen.push(d.data);
      });
      await waitFor(() => last);
      await sub.stop();
      expect(seen).toHaveLength(1);
    });

    it("resumes a consumer after the last message it acknowledged", async () => {
      const name = consumer();
      const marker = randomUUID();
      await bus.publish(Array.from({ length: 6 }, (_, n) => ({ ...msg(n), data: JSON.stringify({ n, marker }) })));
      const first: number[] = [];
      const sub1 = await bus.subscribe(name, async (d) => {
        const body = JSON.parse(d.data);
        if (body.marker === marker && first.length < 3) first.push(body.n);
        if (first.length === 3) throw new Error("stop here"); // the fourth is not acknowledged
      });
      await waitFor(() => first.length === 3);
      await sub1.stop();
      const rest: number[] = [];
      const sub2 = await bus.subscribe(name, async (d) => {
        const body = JSON.parse(d.data);
        if (body.marker === marker) rest.push(body.n);
      });
      await waitFor(() => rest.length >= 3);
      await new Promise((r) => setTimeout(r, 300));
      await sub2.stop();
      // The third was delivered but rejected, so it comes again; nothing before it does.
      expect(first).toEqual([0, 1, 2]);
      expect(rest).toEqual([2, 3, 4, 5]);
    });

    it("delivers a message again when the handler rejects it, and keeps the order", async () => {
      const marker = randomUUID();
      await bus.publish(Array.from({ length: 3 }, (_, n) => ({ ...msg(n), data: JSON.stringify({ n, marker }) })));
      const seen: number[] = [];
      let failed = false;
      const sub = await bus.subscribe(consumer(), async (d) => {
        const body = JSON.parse(d.data);
        if (body.marker !== marker) return;
        if (body.n === 1 && !failed) {
          failed = true;
          throw new Error("transient");
        }
        seen.push(body.n);
      });
      await waitFor(() => seen.length === 3, 20_000);
      await sub.stop();
      expect(seen).toEqual([0, 1, 2]);
    });

    it("gives every consumer every message, and keeps concurrent publishers' messages whole", async () => {
      const marker = randomUUID();
      await Promise.all(
        Array.from({ length: 5 }, (_, p) =>
          bus.publish(Array.from({ length: 10 }, (_, n) => ({ ...msg(n), data: JSON.stringify({ p, n, marker }) }))),
        ),
      );
      const a: string[] = [];
      const b: string[] = [];
      const seqs: number[] = [];
      const subA = await bus.subscribe(consumer(), async (d) => {
        if (JSON.parse(d.data).marker === marker) {
          a.push(d.data);
          seqs.push(d.seq);
        }
      });
      const subB = await bus.subscribe(consumer(), async (d) => {
        if (JSON.parse(d.data).marker === marker) b.push(d.data);
      });
      await waitFor(() => a.length === 50 && b.length === 50);
      await subA.stop();
      await subB.stop();
      expect(new Set(a).size).toBe(50);
      expect(b).toEqual(a);
      expect([...seqs].sort((x, y) => x - y)).toEqual(seqs);
      // Each publisher's own messages stay in its order.
      for (let p = 0; p < 5; p++) {
        expect(a.map((s) => JSON.parse(s)).filter((x) => x.p === p).map((x) => x.n)).toEqual(Array.from({ length: 10 }, (_, n) => n));
      }
    });

    const marked = (from: number, to: number, marker: string) =>
      Array.from({ length: to - from }, (_, i) => ({ ...msg(from + i), data: JSON.stringify({ n: from + i, marker }) }));
    const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);
    /** A tail's handler that keeps this test's entries (by marker) and their sequences. */
    const collector = (marker: string) => {
      const ns: number[] = [];
      const seqs: number[] = [];
      const handle = (e: LogEntry) => {
        const body = JSON.parse(e.data);
        if (body.marker !== marker) return;
        ns.push(body.n);
        seqs.push(e.seq);
      };
      return { ns, seqs, handle };
    };
    const increasing = (xs: number[]) => xs.every((x, i) => i === 0 || x > xs[i - 1]);

    it("reads the log after a sequence, in order, up to a limit, and the head follows each publish", async () => {
      const marker = randomUUID();
      const before = await bus.head();
      await bus.publish(marked(0, 3, marker));
      const afterFirst = await bus.head();
      await bus.publish(marked(3, 5, marker));
      const head = await bus.head();
      expect(afterFirst).toBeGreaterThanOrEqual(before + 3);
      expect(head).toBeGreaterThanOrEqual(afterFirst + 2);

      const all = await bus.read(before, 100);
      expect(all.filter((e) => JSON.parse(e.data).marker === marker).map((e) => JSON.parse(e.data).n)).toEqual(range(0, 5));
      expect(all.every((e) => e.seq > before)).toBe(true);
      expect(increasing(all.map((e) => e.seq))).toBe(true);
      expect(all.at(-1)?.seq).toBe(head);
      for (const e of all) {
        expect(e.subject).toBe("Test.Happened");
        expect(e.publishedAt).toBeInstanceOf(Date);
        expect(Math.abs(e.publishedAt.getTime() - Date.now())).toBeLessThan(5_000);
      }
      // A limit cuts the same list; reading on from any entry gives the rest of it.
      expect(await bus.read(before, 2)).toEqual(all.slice(0, 2));
      expect(await bus.read(all[1].seq, 100)).toEqual(all.slice(2));
      expect(await bus.read(head, 100)).toEqual([]);
    });

    it("gives every tail from the same sequence every message after it, in order, as it is published", async () => {
      const marker = randomUUID();
      const from = await bus.head();
      const a = collector(marker);
      const b = collector(marker);
      const tailA = await bus.tail(from, a.handle);
      const tailB = await bus.tail(from, async (e) => b.handle(e));
      // Published one at a time while both tails run, as the gateways see a live bus.
      for (let n = 0; n < 10; n++) await bus.publish(marked(n, n + 1, marker));
      await waitFor(() => a.ns.length >= 10 && b.ns.length >= 10);
      await new Promise((r) => setTimeout(r, 300));
      await tailA.stop();
      await tailB.stop();
      expect(a.ns).toEqual(range(0, 10));
      expect(b.ns).toEqual(range(0, 10));
      expect(b.seqs).toEqual(a.seqs);
      expect(increasing(a.seqs)).toBe(true);
      expect(a.seqs[0]).toBeGreaterThan(from);
    });

    it("tails from an older sequence: the stored messages after it first, then live ones, without gap or duplicate", async () => {
      const marker = randomUUID();
      const before = await bus.head();
      await bus.publish(marked(0, 10, marker));
      const stored = (await bus.read(before, 1000)).filter((e) => JSON.parse(e.data).marker === marker);
      expect(stored).toHaveLength(10);
      const t = collector(marker);
      const tail = await bus.tail(stored[3].seq, t.handle);
      // The first live messages go out while the tail is still catching up.
      await bus.publish(marked(10, 15, marker));
      await waitFor(() => t.ns.length >= 11);
      for (let n = 15; n < 20; n++) await bus.publish(marked(n, n + 1, marker));
      await waitFor(() => t.ns.length >= 16);
      await new Promise((r) => setTimeout(r, 300));
      await tail.stop();
      expect(t.ns).toEqual(range(4, 20));
      expect(t.seqs.slice(0, 6)).toEqual(stored.slice(4).map((e) => e.seq));
      expect(increasing(t.seqs)).toBe(true);
    });

    it("goes on past a handler that throws or rejects, and does not deliver that message again", async () => {
      const marker = randomUUID();
      const from = await bus.head();
      const seen: number[] = [];
      const failures: number[] = [];
      const tail = await bus.tail(from, (e) => {
        const { n, marker: m } = JSON.parse(e.data);
        if (m !== marker) return;
        if (n === 1 || n === 2) {
          failures.push(n);
          if (n === 1) throw new Error("thrown");
          return Promise.reject(new Error("rejected"));
        }
        seen.push(n);
      });
      await bus.publish(marked(0, 4, marker));
      await waitFor(() => seen.includes(3));
      await new Promise((r) => setTimeout(r, 500));
      await tail.stop();
      expect(seen).toEqual([0, 3]);
      expect(failures).toEqual([1, 2]);
    });

    it("delivers nothing more once a tail is stopped", async () => {
      const marker = randomUUID();
      const t = collector(marker);
      const tail = await bus.tail(await bus.head(), t.handle);
      await bus.publish(marked(0, 1, marker));
      await waitFor(() => t.ns.length === 1);
      await tail.stop();
      await bus.publish(marked(1, 3, marker));
      await new Promise((r) => setTimeout(r, 600));
      expect(t.ns).toEqual([0]);
    });
  });
}

/** Polls `cond` until it holds or `ms` pass. */
export async function waitFor(cond: () => boolean, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 20));
  }
}
