import { describe, expect, it } from "vitest";
import { nextWindow, previousWindow, stepMove, unionRange, valueAt, windowOf, windowSpan } from "./steps";

describe("windowSpan", () => {
  it("is the mean stride times the values per window", () => {
    expect(windowSpan({ step_min: 0, step_max: 999, count: 1000 }, 32)).toBe(32);
    expect(windowSpan({ step_min: 0, step_max: 9900, count: 100 }, 32)).toBe(100 * 32);
    expect(windowSpan({ step_min: 5, step_max: 5, count: 1 }, 32)).toBe(32);
  });
  it("never divides by zero", () => {
    expect(windowSpan({ step_min: 0, step_max: 10, count: 0 }, 4)).toBe(11 * 4);
  });
});

describe("windowOf", () => {
  const range = { step_min: 10, step_max: 109, count: 100 };
  it("finds the window of a step and its bounds", () => {
    expect(windowOf(range, 10, 32)).toEqual({ index: 0, lo: 10, hi: 41 });
    expect(windowOf(range, 42, 32)).toEqual({ index: 1, lo: 42, hi: 73 });
    expect(windowOf(range, 109, 32)).toEqual({ index: 3, lo: 106, hi: 109 });
  });
  it("clamps steps outside the range", () => {
    expect(windowOf(range, -5, 32).index).toBe(0);
    expect(windowOf(range, 5000, 32).index).toBe(3);
  });
  it("walks to neighbouring windows and stops at the ends", () => {
    const first = windowOf(range, 10, 32);
    expect(previousWindow(range, first, 32)).toBeNull();
    expect(nextWindow(range, first, 32)).toEqual({ index: 1, lo: 42, hi: 73 });
    const last = windowOf(range, 109, 32);
    expect(nextWindow(range, last, 32)).toBeNull();
    expect(previousWindow(range, last, 32)?.index).toBe(2);
  });
});

describe("valueAt", () => {
  const values = [{ step: 0 }, { step: 10 }, { step: 20 }];
  it("picks the last value at or before the step", () => {
    expect(valueAt(values, 10)).toEqual({ step: 10 });
    expect(valueAt(values, 15)).toEqual({ step: 10 });
    expect(valueAt(values, 99)).toEqual({ step: 20 });
  });
  it("is null before the first value and for none", () => {
    expect(valueAt(values, -1)).toBeNull();
    expect(valueAt([], 3)).toBeNull();
  });
});

describe("unionRange", () => {
  it("spans all runs that have the key", () => {
    expect(unionRange([{ step_min: 5, step_max: 9, count: 5 }, null, { step_min: 0, step_max: 3, count: 2 }])).toEqual({ lo: 0, hi: 9 });
  });
  it("is null when no run has values", () => {
    expect(unionRange([null, undefined, { step_min: 0, step_max: 0, count: 0 }])).toBeNull();
  });
});

describe("stepMove", () => {
  const bounds = { lo: 0, hi: 100 };
  it("moves to the nearest known step in the direction", () => {
    expect(stepMove([0, 10, 20, 30], 10, 1, bounds, null)).toBe(20);
    expect(stepMove([0, 10, 20, 30], 10, -1, bounds, null)).toBe(0);
    expect(stepMove([30, 0, 20, 10], 15, 1, bounds, null)).toBe(20);
  });
  it("goes to the edge of the loaded windows when nothing further is known", () => {
    expect(stepMove([0, 10], 10, 1, bounds, 32)).toBe(32);
    expect(stepMove([40, 50], 40, -1, bounds, 31)).toBe(31);
    expect(stepMove([0, 100], 10, 1, bounds, 32)).toBe(32);
    expect(stepMove([0, 100], 50, -1, bounds, 40)).toBe(40);
  });
  it("stays inside the bounds", () => {
    expect(stepMove([], 100, 1, bounds, null)).toBe(100);
    expect(stepMove([], 0, -1, bounds, null)).toBe(0);
  });
});
