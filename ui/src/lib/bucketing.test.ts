import { describe, expect, it } from "vitest";
import {
  aggregateRuns,
  cellIndex,
  compact,
  compactLive,
  concatBuckets,
  fillGaps,
  fromPoints,
  mergeAdjacent,
  toGrid,
  type Buckets,
} from "./bucketing";

const arr = (a: Float64Array) => Array.from(a);

/** Rows of (x, min, max, mean, last, count[, std]); std 0 when left out. */
function buckets(rows: ([number, number, number, number, number, number] | [number, number, number, number, number, number, number])[]): Buckets {
  const col = (j: number) => Float64Array.from(rows.map((r) => r[j] ?? 0));
  return { x: col(0), min: col(1), max: col(2), mean: col(3), std: col(6), last: col(4), count: col(5) };
}

/** Population std of the values, two-pass (what numpy.std gives). */
function std(values: number[]): number {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  return Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / values.length);
}

describe("cellIndex", () => {
  const grid = { lo: 0, hi: 100, n: 10 };
  it("is floor((x - lo) / width)", () => {
    expect(cellIndex(grid, 0)).toBe(0);
    expect(cellIndex(grid, 9.99)).toBe(0);
    expect(cellIndex(grid, 10)).toBe(1);
    expect(cellIndex(grid, 55)).toBe(5);
  });
  it("puts hi in the last cell and rejects outside or NaN", () => {
    expect(cellIndex(grid, 100)).toBe(9);
    expect(cellIndex(grid, -1)).toBe(-1);
    expect(cellIndex(grid, 100.5)).toBe(-1);
    expect(cellIndex(grid, NaN)).toBe(-1);
  });
  it("uses one cell for an empty range", () => {
    expect(cellIndex({ lo: 5, hi: 5, n: 10 }, 5)).toBe(0);
  });
});

describe("toGrid", () => {
  it("places buckets in their cells and merges buckets sharing one", () => {
    const b = buckets([
      [0, 1, 3, 2, 3, 2],
      [4, 0, 10, 6, 5, 6], // same cell as the first (width 10)
      [25, 7, 7, 7, 7, 1],
    ]);
    const g = toGrid(b, { lo: 0, hi: 40, n: 4 });
    expect(g.filled).toBe(2);
    expect(arr(g.x)).toEqual([0, NaN, 25, NaN]);
    expect(g.min[0]).toBe(0);
    expect(g.max[0]).toBe(10);
    expect(g.mean[0]).toBeCloseTo((2 * 2 + 6 * 6) / 8, 12); // count-weighted
    expect(g.last[0]).toBe(5); // last of the last bucket
    expect(g.count[0]).toBe(8);
    expect(g.mean[2]).toBe(7);
    expect(Number.isNaN(g.mean[1])).toBe(true);
    expect(g.count[1]).toBe(0);
  });

  it("ignores non-finite means in the mean but keeps them as last", () => {
    const b = fromPoints([0, 1, 2], [1, NaN, 3]);
    const g = toGrid(b, { lo: 0, hi: 2, n: 1 });
    expect(g.mean[0]).toBe(2);
    expect(g.min[0]).toBe(1);
    expect(g.max[0]).toBe(3);
    expect(g.last[0]).toBe(3);
    const h = toGrid(fromPoints([0, 1], [1, NaN]), { lo: 0, hi: 1, n: 1 });
    expect(Number.isNaN(h.last[0])).toBe(true);
    expect(h.mean[0]).toBe(1);
  });

  it("drops points outside the grid", () => {
    const g = toGrid(fromPoints([-5, 5, 50], [1, 2, 3]), { lo: 0, hi: 10, n: 2 });
    expect(g.filled).toBe(1);
    expect(g.mean[1]).toBe(2);
  });
});

describe("mergeAdjacent", () => {
  it("merges pairs: min of mins, max of maxes, weighted mean, last of last", () => {
    const b = buckets([
      [0, 1, 2, 1.5, 2, 2],
      [10, -1, 5, 3, 4, 4],
      [20, 0, 0, 0, 0, 1],
    ]);
    const m = mergeAdjacent(b);
    expect(arr(m.x)).toEqual([0, 20]);
    expect(arr(m.min)).toEqual([-1, 0]);
    expect(arr(m.max)).toEqual([5, 0]);
    expect(m.mean[0]).toBeCloseTo((1.5 * 2 + 3 * 4) / 6, 12);
    expect(arr(m.last)).toEqual([4, 0]);
    expect(arr(m.count)).toEqual([6, 1]);
  });
  it("keeps infinities in min and max", () => {
    const m = mergeAdjacent(fromPoints([0, 1], [Infinity, 2]));
    expect(m.max[0]).toBe(Infinity);
    expect(m.min[0]).toBe(2);
    expect(m.mean[0]).toBe(2);
  });
});

describe("std when buckets merge", () => {
  it("is the std of the merged points (Chan's formula over count, mean and std)", () => {
    const left = [1, 2, 3, 4];
    const right = [10, 14];
    const b = buckets([
      [0, 1, 4, 2.5, 4, 4, std(left)],
      [1, 10, 14, 12, 14, 2, std(right)],
    ]);
    const m = mergeAdjacent(b);
    expect(m.std[0]).toBeCloseTo(std([...left, ...right]), 12);
    // points are buckets of std 0, so putting points on a grid gives their std
    const g = toGrid(fromPoints([0, 1, 2, 3], [5, 7, NaN, 9]), { lo: 0, hi: 4, n: 1 });
    expect(g.std[0]).toBeCloseTo(std([5, 7, 9]), 12);
  });
  it("keeps its digits far from zero", () => {
    const values = Array.from({ length: 64 }, (_, i) => 1e6 + Math.sin(i) * 1e-3);
    const halves = [values.slice(0, 32), values.slice(32)];
    const b = buckets(halves.map((h, i) => [i, 0, 0, h.reduce((a, v) => a + v, 0) / 32, 0, 32, std(h)]));
    const m = mergeAdjacent(b);
    expect(m.std[0]! / std(values)).toBeCloseTo(1, 6);
  });
  it("is NaN when a bucket's std is unknown, and std travels through compact and concat", () => {
    const b = buckets([
      [0, 1, 1, 1, 1, 1, NaN],
      [1, 2, 2, 2, 2, 1, 0],
    ]);
    expect(Number.isNaN(mergeAdjacent(b).std[0])).toBe(true);
    const g = toGrid(buckets([[5, 0, 2, 1, 1, 3, 0.5]]), { lo: 0, hi: 10, n: 10 });
    expect(arr(compact(g).std)).toEqual([0.5]);
    expect(arr(concatBuckets(b, b).std)).toEqual([NaN, 0, NaN, 0]);
  });
});

describe("compact and compactLive", () => {
  it("compact drops empty cells", () => {
    const g = toGrid(fromPoints([0, 9], [1, 2]), { lo: 0, hi: 10, n: 10 });
    expect(arr(compact(g).x)).toEqual([0, 9]);
  });
  it("compactLive leaves short lists alone and re-buckets long ones", () => {
    const short = fromPoints([0, 1, 2], [1, 2, 3]);
    expect(compactLive(short, 2)).toBe(short);
    const xs = Array.from({ length: 1000 }, (_, i) => i);
    const long = concatBuckets(fromPoints(xs.slice(0, 500), xs.slice(0, 500)), fromPoints(xs.slice(500), xs.slice(500)));
    const c = compactLive(long, 100);
    expect(c.x.length).toBe(100);
    const total = arr(c.count).reduce((a, b) => a + b, 0);
    expect(total).toBe(1000);
    expect(c.min[0]).toBe(0);
    expect(c.max[99]).toBe(999);
    expect(c.last[99]).toBe(999);
  });
});

describe("fillGaps", () => {
  it("interpolates inside the run's extent only", () => {
    const out = fillGaps(Float64Array.from([NaN, 0, NaN, NaN, 3, NaN]));
    expect(arr(out)).toEqual([NaN, 0, 1, 2, 3, NaN]);
  });
});

describe("aggregateRuns", () => {
  it("gives mean, min, max and std across runs per cell", () => {
    const a = Float64Array.from([1, 2, NaN]);
    const b = Float64Array.from([3, Infinity, NaN]);
    const agg = aggregateRuns([a, b], 3);
    expect(arr(agg.mean)).toEqual([2, 2, NaN]);
    expect(arr(agg.min)).toEqual([1, 2, NaN]);
    expect(arr(agg.max)).toEqual([3, 2, NaN]);
    expect(agg.std[0]).toBeCloseTo(1, 12);
    expect(agg.std[1]).toBe(0);
    expect(arr(agg.runs)).toEqual([2, 1, 0]);
  });
  it("lines runs up on a common grid", () => {
    // run A logged every step, run B every other step: on a 5-cell grid over [0, 10]
    const grid = { lo: 0, hi: 10, n: 5 };
    const ga = toGrid(fromPoints([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10], [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]), grid);
    const gb = toGrid(fromPoints([0, 4, 8], [10, 10, 10]), grid);
    const agg = aggregateRuns([ga.mean, fillGaps(gb.mean)], grid.n);
    expect(agg.runs[1]).toBe(2); // B's cell 1 was filled by interpolation
    expect(agg.mean[0]).toBeCloseTo((0.5 + 10) / 2, 12);
    expect(agg.runs[4]).toBe(2);
  });
});
