import { describe, expect, it } from "vitest";
import { columnAt, heatGrid, resample, valueRange } from "./histogramGrid";
import { asHistogram } from "./values";

const hist = (values: number[], bins: number[]) => ({ _type: "histogram" as const, values, bins });
const sum = (a: Float64Array) => a.reduce((s, v) => s + v, 0);

describe("resample", () => {
  it("keeps identical bins as they are", () => {
    expect([...resample(hist([1, 2, 3], [0, 1, 2, 3]), 0, 3, 3)]).toEqual([1, 2, 3]);
  });
  it("splits a bin over the rows it overlaps, preserving the total", () => {
    const out = resample(hist([4], [0, 2]), 0, 4, 4);
    expect([...out]).toEqual([2, 2, 0, 0]);
    const uneven = resample(hist([3, 5, 7], [-1, 0.3, 0.9, 2.5]), -1, 3, 7);
    expect(sum(uneven)).toBeCloseTo(15, 9);
  });
  it("merges several bins into one row", () => {
    expect([...resample(hist([1, 1, 1, 1], [0, 1, 2, 3, 4]), 0, 4, 2)]).toEqual([2, 2]);
  });
  it("puts a zero-width bin's count in the row of its edge", () => {
    expect([...resample(hist([5], [1, 1]), 0, 2, 2)]).toEqual([0, 5]);
  });
});

describe("heatGrid", () => {
  it("puts steps with different bins on one grid, sorted by step", () => {
    const grid = heatGrid(
      [
        { step: 2, hist: hist([2], [2, 4]) },
        { step: 1, hist: hist([1, 1], [0, 1, 2]) },
      ],
      4,
    );
    expect(grid).not.toBeNull();
    expect(grid!.steps).toEqual([1, 2]);
    expect([grid!.lo, grid!.hi]).toEqual([0, 4]);
    expect([...grid!.counts.slice(0, 4)]).toEqual([1, 1, 0, 0]);
    expect([...grid!.counts.slice(4, 8)]).toEqual([0, 0, 1, 1]);
    expect(grid!.max).toBe(1);
  });
  it("widens a single-point range and is null for no steps", () => {
    expect(valueRange([{ step: 0, hist: hist([3], [1, 1]) }])).toEqual([0.5, 1.5]);
    expect(heatGrid([], 10)).toBeNull();
  });
});

describe("columnAt", () => {
  it("maps x to the step column", () => {
    expect(columnAt(0, 100, 4)).toBe(0);
    expect(columnAt(99, 100, 4)).toBe(3);
    expect(columnAt(100, 100, 4)).toBeNull();
    expect(columnAt(5, 100, 0)).toBeNull();
  });
});

describe("asHistogram", () => {
  it("accepts agreeing counts and edges only", () => {
    expect(asHistogram({ _type: "histogram", values: [1, 2], bins: [0, 1, 2] })).not.toBeNull();
    expect(asHistogram({ _type: "histogram", values: [1, 2], bins: [0, 1] })).toBeNull();
    expect(asHistogram({ _type: "histogram", values: [1, 2], bins: [0, 2, 1] })).toBeNull();
    expect(asHistogram({ _type: "image-file", values: [1], bins: [0, 1] })).toBeNull();
  });
});
