import { describe, expect, it } from "vitest";
import type { Run } from "../api/types";
import { WINDOW, planWindows, type Plan } from "./prefetch";
import { WindowCache, type WindowsAnswer } from "./windowCache";

const TOTAL = 10_000;

function run(i: number): Run {
  return { id: `r${i}`, name: `run-${i}` } as Run;
}

/** A server answering offset windows of TOTAL runs; each request waits until released. */
class FakeServer {
  calls: { offset: number; limit: number; signal: AbortSignal; release: () => void; fail: (e: unknown) => void }[] = [];

  fetch = (offset: number, limit: number, signal: AbortSignal): Promise<WindowsAnswer> =>
    new Promise((resolve, reject) => {
      const answer = () => {
        const runs: Run[] = [];
        for (let i = offset; i < Math.min(TOTAL, offset + limit); i++) runs.push(run(i));
        resolve({ runs, total: TOTAL });
      };
      signal.addEventListener("abort", () => {
        reject(new DOMException("aborted", "AbortError"));
      });
      this.calls.push({ offset, limit, signal, release: answer, fail: reject });
    });

  async releaseAll(): Promise<void> {
    for (const call of this.calls.splice(0)) call.release();
    await new Promise((r) => setTimeout(r, 0));
  }
}

const plan = (over: Partial<Plan>): Plan => ({ keep: { lo: 0, hi: 1_000 }, fetch: [], fast: false, ...over });

describe("WindowCache", () => {
  it("stores each window of a merged request and the total", async () => {
    const server = new FakeServer();
    const cache = new WindowCache(server.fetch);
    let notified = 0;
    cache.subscribe(() => (notified += 1));
    cache.apply(plan({ fetch: [{ start: 3, count: 2 }] }));
    expect(server.calls[0]).toMatchObject({ offset: 3 * WINDOW, limit: 2 * WINDOW });
    expect(cache.inFlight()).toEqual(new Set([3, 4]));
    await server.releaseAll();
    expect(cache.total).toBe(TOTAL);
    expect(cache.run(3 * WINDOW + 5)?.name).toBe(`run-${3 * WINDOW + 5}`);
    expect(cache.run(4 * WINDOW + 99)?.name).toBe(`run-${4 * WINDOW + 99}`);
    expect(cache.held()).toEqual(new Set([3, 4]));
    expect(notified).toBe(1);
  });

  it("cancels requests the plan no longer keeps", async () => {
    const server = new FakeServer();
    const cache = new WindowCache(server.fetch);
    cache.apply(plan({ fetch: [{ start: 10, count: 1 }, { start: 50, count: 1 }] }));
    cache.apply(plan({ keep: { lo: 45, hi: 55 } }));
    expect(server.calls[0]?.signal.aborted).toBe(true);
    expect(server.calls[1]?.signal.aborted).toBe(false);
    expect(cache.inFlight()).toEqual(new Set([50]));
    await server.releaseAll();
    expect(cache.held()).toEqual(new Set([50]));
  });

  it("holds at most `capacity` windows, dropping the least recently used but never window 0", async () => {
    const server = new FakeServer();
    const cache = new WindowCache(server.fetch, 3);
    for (const w of [0, 1, 2]) {
      cache.apply(plan({ fetch: [{ start: w, count: 1 }] }));
      await server.releaseAll();
    }
    cache.touch([1]);
    cache.apply(plan({ fetch: [{ start: 7, count: 1 }] }));
    await server.releaseAll();
    expect(cache.held()).toEqual(new Set([0, 1, 7]));
    cache.apply(plan({ fetch: [{ start: 8, count: 1 }] }));
    await server.releaseAll();
    expect(cache.held()).toEqual(new Set([0, 7, 8]));
  });

  it("starts no more than MAX_IN_FLIGHT requests", () => {
    const server = new FakeServer();
    const cache = new WindowCache(server.fetch);
    cache.apply(plan({ fetch: Array.from({ length: 10 }, (_, i) => ({ start: i * 2, count: 1 })) }));
    expect(server.calls.length).toBe(cache.inFlight().size);
    expect(cache.slots()).toBe(0);
  });

  it("keeps showing stale windows while they are asked again", async () => {
    const server = new FakeServer();
    const cache = new WindowCache(server.fetch);
    cache.apply(plan({ fetch: [{ start: 2, count: 1 }] }));
    await server.releaseAll();
    cache.markStale();
    expect(cache.held()).toEqual(new Set());
    expect(cache.run(2 * WINDOW)?.name).toBe(`run-${2 * WINDOW}`);
  });

  it("does not ask again at once for a window that failed; a 4xx is not retried", async () => {
    let now = 0;
    const server = new FakeServer();
    const cache = new WindowCache(server.fetch, 64, () => now);
    cache.apply(plan({ fetch: [{ start: 1, count: 1 }, { start: 2, count: 1 }] }));
    server.calls[0]?.fail(new Error("network"));
    server.calls[1]?.fail(Object.assign(new Error("bad filter"), { status: 400 }));
    await new Promise((r) => setTimeout(r, 0));
    expect(cache.error).toBeInstanceOf(Error);
    expect(cache.held()).toEqual(new Set([1, 2]));
    now = 60_000;
    expect(cache.held()).toEqual(new Set([2]));
  });

  it("with the planner: a fling's stop fetches the view first, then what is around it", async () => {
    const server = new FakeServer();
    const cache = new WindowCache(server.fetch);
    const step = (first: number, velocity: number) => {
      cache.apply(
        planWindows({
          view: { first, last: first + 25 },
          velocity,
          total: cache.total ?? TOTAL,
          cached: cache.held(),
          inFlight: cache.inFlight(),
          slots: cache.slots(),
        }),
      );
    };
    step(0, 0);
    await server.releaseAll();
    for (let row = 100; row < 8_000; row += 1_000) step(row, 60_000);
    expect(server.calls.length).toBe(0);
    step(8_050, 0);
    expect(server.calls.map((c) => c.offset)).toEqual([8_000]);
    await server.releaseAll();
    step(8_050, 0);
    expect(server.calls.map((c) => c.offset).sort((a, b) => a - b)).toEqual([7_900, 8_100]);
  });
});
