import { describe, expect, it } from "vitest";
import { differs, flatten, unionKeys } from "./flatten";

describe("compare helpers", () => {
  it("flattens nested maps to dotted keys, keeping lists and empty maps as values", () => {
    expect(flatten({ a: { b: 1, c: { d: "x" } }, e: [1, 2], f: {}, g: null })).toEqual({
      "a.b": 1, "a.c.d": "x", e: [1, 2], f: {}, g: null,
    });
  });

  it("finds differences, a missing value included", () => {
    expect(differs([1, 1, 1])).toBe(false);
    expect(differs([1, 2])).toBe(true);
    expect(differs([1, undefined])).toBe(true);
    expect(differs([[1, 2], [1, 2]])).toBe(false);
    expect(differs([5])).toBe(false);
  });

  it("unions keys in order", () => {
    expect(unionKeys([{ b: 1 }, { a: 1, b: 2 }])).toEqual(["a", "b"]);
  });
});
