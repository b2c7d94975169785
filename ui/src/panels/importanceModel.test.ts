import { describe, expect, it } from "vitest";
import { paramImportance, pearson, seededRandom, sortImportance } from "./importanceModel";

function runs(n: number, metric: (p: { a: number; b: number; c: string }) => number) {
  const random = seededRandom(42);
  return Array.from({ length: n }, () => {
    const p = { a: random() * 10, b: random(), c: random() < 0.5 ? "x" : "y" };
    return { config: p, summary: { loss: metric(p) } };
  });
}

describe("paramImportance", () => {
  const keys = ["config.a", "config.b", "config.c"];
  it("ranks the one parameter the metric depends on first", () => {
    const rows = paramImportance(runs(60, (p) => p.b * 3), keys, "summary.loss");
    expect(rows[0]?.key).toBe("config.b");
    expect(rows[0]?.importance).toBeGreaterThan(0.8);
    expect(rows.reduce((s, r) => s + r.importance, 0)).toBeCloseTo(1);
  });
  it("finds a categorical parameter through its one-hot features", () => {
    const rows = paramImportance(runs(60, (p) => (p.c === "x" ? 1 : 5)), keys, "summary.loss");
    expect(rows[0]?.key).toBe("config.c");
    expect(rows[0]?.correlation).toBeNull();
  });
  it("gives the correlation its sign", () => {
    const rows = paramImportance(runs(40, (p) => 10 - p.a), keys, "summary.loss");
    const a = rows.find((r) => r.key === "config.a");
    expect(a?.correlation).toBeCloseTo(-1);
    const up = paramImportance(runs(40, (p) => p.a * 2), keys, "summary.loss").find((r) => r.key === "config.a");
    expect(up?.correlation).toBeCloseTo(1);
  });
  it("is deterministic for a seed", () => {
    const data = runs(30, (p) => p.a + p.b * 5);
    expect(paramImportance(data, keys, "summary.loss")).toEqual(paramImportance(data, keys, "summary.loss"));
  });
  it("skips runs without a finite metric and answers zeros with too few runs", () => {
    const data = [
      { config: { a: 1 }, summary: { loss: 1 } },
      { config: { a: 2 }, summary: { loss: "NaN" } },
      { config: { a: 3 }, summary: {} },
    ];
    expect(paramImportance(data, ["config.a"], "summary.loss")).toEqual([{ key: "config.a", importance: 0, correlation: null }]);
  });
});

describe("pearson and sorting", () => {
  it("is null for a constant list", () => {
    expect(pearson([1, 1, 1], [1, 2, 3])).toBeNull();
    expect(pearson([1, 2, 3], [2, 4, 6])).toBeCloseTo(1);
  });
  it("sorts by absolute correlation with nulls last", () => {
    const rows = [
      { key: "a", importance: 0.2, correlation: 0.1 },
      { key: "b", importance: 0.5, correlation: -0.9 },
      { key: "c", importance: 0.3, correlation: null },
    ];
    expect(sortImportance(rows, "correlation", true).map((r) => r.key)).toEqual(["b", "a", "c"]);
    expect(sortImportance(rows, "correlation", false).map((r) => r.key)).toEqual(["a", "b", "c"]);
    expect(sortImportance(rows, "importance", true).map((r) => r.key)).toEqual(["b", "c", "a"]);
  });
});
