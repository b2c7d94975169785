import { describe, expect, it } from "vitest";
import {
  FLING_SPEED,
  MAX_AHEAD,
  MAX_IN_FLIGHT,
  WINDOW,
  mergeFor,
  planWindows,
  quietFramesForStop,
  velocityOf,
  type PlanInput,
} from "./prefetch";

const none = new Set<number>();

function plan(over: Partial<PlanInput>) {
  return planWindows({ view: { first: 0, last: 25 }, velocity: 0, total: 100_000, cached: none, inFlight: none, ...over });
}

/** Every window the plan's requests cover, in request order. */
function windows(p: ReturnType<typeof planWindows>): number[] {
  return p.fetch.flatMap((r) => Array.from({ length: r.count }, (_, i) => r.start + i));
}

describe("planWindows", () => {
  it("asks only for the view before the total is known", () => {
    const p = plan({ total: null });
    expect(p.fetch).toEqual([{ start: 0, count: 1 }]);
  });

  it("asks for the view alone while its rows are missing", () => {
    const p = plan({ view: { first: 5_000, last: 5_025 }, velocity: 500 });
    expect(p.fetch).toEqual([{ start: 50, count: 1 }]);
  });

  it("puts a view across two windows in one request", () => {
    const p = plan({ view: { first: 5_090, last: 5_115 } });
    expect(p.fetch).toEqual([{ start: 50, count: 2 }]);
  });

  it("looks one window each way when still", () => {
    const p = plan({ view: { first: 5_000, last: 5_025 }, cached: new Set([50]) });
    expect(windows(p).sort((a, b) => a - b)).toEqual([49, 51]);
  });

  it("looks further ahead in the direction of travel, the faster the further", () => {
    const cached = new Set([50]);
    const slow = plan({ view: { first: 5_000, last: 5_025 }, velocity: 300, cached });
    const quick = plan({ view: { first: 5_000, last: 5_025 }, velocity: 2_000, cached });
    const ahead = (p: ReturnType<typeof planWindows>) => windows(p).filter((w) => w > 50);
    expect(ahead(slow).length).toBeGreaterThanOrEqual(1);
    expect(ahead(quick).length).toBeGreaterThan(ahead(slow).length);
    // ahead before behind, nearest first
    expect(windows(slow)[0]).toBe(51);
    expect(windows(quick).slice(0, 3)).toEqual([51, 52, 53]);
  });

  it("looks ahead upwards when scrolling up", () => {
    const p = plan({ view: { first: 5_000, last: 5_025 }, velocity: -2_000, cached: new Set([50]), slots: 10 });
    const got = windows(p);
    const firstRequest = p.fetch[0];
    expect(firstRequest && firstRequest.start + firstRequest.count - 1).toBe(49);
    expect(got.filter((w) => w < 50).length).toBeGreaterThan(got.filter((w) => w > 50).length);
    expect(got.filter((w) => w > 50)).toEqual([51]);
  });

  it("merges windows ahead into bigger requests at speed", () => {
    const p = plan({ view: { first: 5_000, last: 5_025 }, velocity: 3_000, cached: new Set([50]) });
    expect(p.fetch[0]).toEqual({ start: 51, count: mergeFor(3_000) });
    expect(mergeFor(3_000)).toBeGreaterThan(mergeFor(100));
  });

  it("skips windows held or on their way", () => {
    const p = plan({ view: { first: 5_000, last: 5_025 }, velocity: 1_000, cached: new Set([50, 52]), inFlight: new Set([51]) });
    expect(windows(p)).not.toContain(50);
    expect(windows(p)).not.toContain(51);
    expect(windows(p)).not.toContain(52);
    expect(windows(p)[0]).toBe(53);
  });

  it("never looks further than MAX_AHEAD windows, nor starts more than the free slots", () => {
    const p = plan({ view: { first: 5_000, last: 5_025 }, velocity: FLING_SPEED, cached: new Set([50]), slots: 100 });
    expect(Math.max(...windows(p))).toBeLessThanOrEqual(50 + MAX_AHEAD);
    expect(plan({ view: { first: 5_000, last: 5_025 }, velocity: FLING_SPEED, cached: new Set([50]) }).fetch.length).toBeLessThanOrEqual(MAX_IN_FLIGHT);
    expect(plan({ slots: 0 }).fetch).toEqual([]);
  });

  it("fetches nothing during a fling and keeps only what is around the view", () => {
    const p = plan({ view: { first: 50_000, last: 50_025 }, velocity: 3 * FLING_SPEED });
    expect(p.fast).toBe(true);
    expect(p.fetch).toEqual([]);
    expect(p.keep).toEqual({ lo: 499, hi: 501 });
  });

  it("fetches the view at once when the fling stops", () => {
    const p = plan({ view: { first: 50_010, last: 50_035 }, velocity: 0 });
    expect(p.fetch[0]).toEqual({ start: 500, count: 1 });
  });

  it("stays inside the list", () => {
    const top = plan({ view: { first: 0, last: 25 }, velocity: -2_000, cached: new Set([0]) });
    expect(Math.min(...windows(top))).toBeGreaterThanOrEqual(0);
    const bottom = plan({ view: { first: 99_980, last: 99_999 }, velocity: 2_000, cached: new Set([999]) });
    expect(Math.max(...windows(bottom))).toBeLessThanOrEqual(999);
    expect(plan({ total: 0 }).fetch).toEqual([{ start: 0, count: 1 }]);
  });

  it("keeps in-flight windows near the view when still (a pause between wheel steps)", () => {
    const p = plan({ view: { first: 5_000, last: 5_025 }, velocity: 0, cached: new Set([50]) });
    expect(p.keep.lo).toBeLessThanOrEqual(50 - MAX_AHEAD);
    expect(p.keep.hi).toBeGreaterThanOrEqual(50 + MAX_AHEAD);
  });

  it("uses WINDOW rows per window", () => {
    const p = plan({ view: { first: WINDOW * 7, last: WINDOW * 7 + 10 } });
    expect(p.fetch[0]?.start).toBe(7);
  });
});

describe("velocityOf", () => {
  it("is rows per second over the recent samples", () => {
    const samples = [
      { t: 0, row: 0 },
      { t: 50, row: 100 },
      { t: 100, row: 200 },
    ];
    expect(velocityOf(samples, 100)).toBeCloseTo(2_000);
  });

  it("is negative upwards", () => {
    expect(velocityOf([{ t: 0, row: 500 }, { t: 20, row: 480 }], 20)).toBeCloseTo(-1_000);
  });

  it("ignores samples older than the span and is 0 once the last is stale", () => {
    const samples = [
      { t: 0, row: 0 },
      { t: 1_000, row: 10 },
      { t: 1_050, row: 60 },
    ];
    expect(velocityOf(samples, 1_050)).toBeCloseTo(1_000);
    expect(velocityOf(samples, 2_000)).toBe(0);
    expect(velocityOf([], 0)).toBe(0);
    // one jump after a pause is not a speed
    expect(velocityOf([{ t: 0, row: 0 }, { t: 5_000, row: 90_000 }], 5_000)).toBe(0);
  });
});

describe("quietFramesForStop", () => {
  const every = (ms: number, n: number) => Array.from({ length: n }, (_, i) => ({ t: i * ms, row: i * 10 }));

  it("is one frame when scroll events come every frame", () => {
    expect(quietFramesForStop(every(16.7, 10), 16.7)).toBe(1);
    expect(quietFramesForStop([], 16.7)).toBe(1);
    expect(quietFramesForStop(every(16.7, 1), 16.7)).toBe(1);
  });

  it("waits out the cadence of wheel steps", () => {
    expect(quietFramesForStop(every(50, 10), 16.7)).toBe(3);
    // slow frames: the same steps are fewer frames apart
    expect(quietFramesForStop(every(50, 10), 25)).toBe(2);
  });

  it("does not take a pause for the cadence, and never waits long", () => {
    expect(quietFramesForStop([{ t: 0, row: 0 }, { t: 1_000, row: 5 }, { t: 1_016, row: 10 }], 16.7)).toBe(1);
    expect(quietFramesForStop(every(190, 5), 16.7)).toBe(6);
  });
});
