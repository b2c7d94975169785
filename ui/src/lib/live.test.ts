import { describe, expect, it } from "vitest";
import type { SeriesWindow } from "../api/columns";
import { fromPoints } from "./bucketing";
import { appendLive, toBuckets } from "./live";

const exact = (run: string, x: number[], v: number[]): SeriesWindow => ({
  run,
  key: "loss",
  mode: "exact",
  total: x.length,
  x: Float64Array.from(x),
  last: Float64Array.from(v),
});

describe("toBuckets", () => {
  it("turns exact points into one-point buckets", () => {
    const b = toBuckets(exact("r", [1, 2], [5, NaN]));
    expect(Array.from(b.count)).toEqual([1, 1]);
    expect(b.mean[0]).toBe(5);
    expect(Number.isNaN(b.max[1])).toBe(true);
    expect(Array.from(b.std)).toEqual([0, 0]);
  });
  it("keeps a bucketed window's std, NaN (unknown) when it was not asked for", () => {
    const w: SeriesWindow = {
      run: "r",
      key: "loss",
      mode: "buckets",
      total: 20,
      x: Float64Array.from([0, 10]),
      last: Float64Array.from([1, 2]),
      mean: Float64Array.from([1, 2]),
      count: Float64Array.from([10, 10]),
    };
    expect(Array.from(toBuckets(w).std)).toEqual([NaN, NaN]);
    expect(Array.from(toBuckets({ ...w, std: Float64Array.from([0.5, 1]) }).std)).toEqual([0.5, 1]);
  });
});

describe("appendLive", () => {
  it("appends only x past what the panel holds, and adds new runs", () => {
    const old = [{ path: "r", mode: "exact" as const, total: 3, data: fromPoints([0, 1, 2], [1, 1, 1]) }];
    const next = appendLive(old, [exact("r", [2, 3, 4], [9, 2, 2]), exact("s", [0], [7])], 100);
    const r = next.find((s) => s.path === "r")!;
    expect(Array.from(r.data.x)).toEqual([0, 1, 2, 3, 4]);
    expect(r.data.last[2]).toBe(1); // the point it had is kept, not replaced
    expect(r.total).toBe(5);
    expect(r.mode).toBe("exact");
    expect(next.find((s) => s.path === "s")!.data.x.length).toBe(1);
  });

  it("merges buckets once the list grows past twice the buckets wanted", () => {
    const xs = Array.from({ length: 20 }, (_, i) => i);
    const old = [{ path: "r", mode: "exact" as const, total: 20, data: fromPoints(xs, xs) }];
    const more = Array.from({ length: 30 }, (_, i) => 20 + i);
    const [r] = appendLive(old, [exact("r", more, more)], 10);
    expect(r!.mode).toBe("buckets");
    expect(r!.data.x.length).toBeLessThanOrEqual(10);
    expect(Array.from(r!.data.count).reduce((a, b) => a + b, 0)).toBe(50);
    expect(r!.data.max[r!.data.x.length - 1]).toBe(49);
  });

  it("leaves the data alone when nothing new arrived", () => {
    const old = [{ path: "r", mode: "exact" as const, total: 2, data: fromPoints([0, 1], [1, 1]) }];
    expect(appendLive(old, [exact("r", [1], [1])], 10)[0]).toBe(old[0]);
  });
});
