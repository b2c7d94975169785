import { describe, expect, it } from "vitest";
import { neighbours } from "./prefetch";

const rows = [0, 2, 4, 6, 8, 10].map((step) => ({ step }));

describe("neighbours", () => {
  it("takes the next logged steps, nearest first, then the one before", () => {
    expect(neighbours(rows, 4, 3, 1).map((r) => r.step)).toEqual([6, 8, 10, 2]);
  });

  it("counts from the value shown when the step falls between logged steps", () => {
    expect(neighbours(rows, 5, 2, 1).map((r) => r.step)).toEqual([6, 8, 2]);
  });

  it("is bounded at both ends", () => {
    expect(neighbours(rows, 10, 3, 2).map((r) => r.step)).toEqual([8, 6]);
    expect(neighbours(rows, 0, 2, 1).map((r) => r.step)).toEqual([2, 4]);
    expect(neighbours([], 3)).toEqual([]);
  });

  it("before the first value, prefetches the first ones", () => {
    expect(neighbours([{ step: 5 }, { step: 6 }], 1, 1, 1).map((r) => r.step)).toEqual([5]);
  });
});
