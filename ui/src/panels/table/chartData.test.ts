import { describe, expect, it } from "vitest";
import { bars, ChartDataError, confusionMatrix, curves, heat, parseChartValue, scatterPoints } from "./chartData";

const cols = (...names: string[]) => names.map((name) => ({ name }));

describe("parseChartValue", () => {
  it("reads W&B's chart value", () => {
    const spec = parseChartValue({ _type: "chart", chart: "pr_curve", table_key: "pr_table", fields: { x: "recall", y: "precision", n: 3 }, title: "PR" });
    expect(spec).toEqual({ chart: "pr_curve", tableKey: "pr_table", fields: { x: "recall", y: "precision" }, title: "PR" });
  });
  it("names what is wrong", () => {
    expect(() => parseChartValue({ chart: "pie", table_key: "t" })).toThrow(/unknown chart kind "pie"/);
    expect(() => parseChartValue({ chart: "bar" })).toThrow(/table_key/);
    expect(() => parseChartValue(3)).toThrow(ChartDataError);
  });
});

describe("confusionMatrix", () => {
  it("sums counts per (actual, predicted) in class order", () => {
    const rows = [
      ["cat", "cat", 5],
      ["cat", "dog", 1],
      ["dog", "cat", 2],
      ["dog", "dog", 7],
      ["cat", "dog", 1],
    ];
    const m = confusionMatrix(cols("Actual", "Predicted", "nPredictions"), rows, {});
    expect(m.classes).toEqual(["cat", "dog"]);
    expect(m.counts).toEqual([
      [5, 2],
      [2, 7],
    ]);
    expect(m.max).toBe(7);
    expect(m.total).toBe(16);
  });
  it("uses the fields' column names", () => {
    const m = confusionMatrix(cols("t", "p", "n"), [["a", "b", 3]], { Actual: "t", Predicted: "p", nPredictions: "n" });
    expect(m.classes).toEqual(["a", "b"]);
    expect(m.counts[0]).toEqual([0, 3]);
  });
  it("says which column is missing", () => {
    expect(() => confusionMatrix(cols("Actual", "Predicted"), [], {})).toThrow(/no count column \("nPredictions" or "count"\); it has Actual, Predicted/);
  });
});

describe("curves", () => {
  it("merges series on one ascending x with nulls elsewhere", () => {
    const rows = [
      ["a", 0, 1],
      ["a", 1, 0.5],
      ["b", 0.5, 0.8],
      ["a", 1, 0.4],
    ];
    const c = curves(cols("class", "recall", "precision"), rows, "pr_curve", { x: "recall", y: "precision", class: "class" });
    expect(c.x).toEqual([0, 0.5, 1, 1]);
    expect(c.series.map((s) => s.name)).toEqual(["a", "b"]);
    expect(c.series[0]!.values).toEqual([1, null, 0.5, 0.4]);
    expect(c.series[1]!.values).toEqual([null, 0.8, null, null]);
  });
  it("falls back to W&B's ROC column names and skips non-numbers", () => {
    const c = curves(cols("class", "fpr", "tpr"), [["x", 0, 0], ["x", "n/a", 1], ["x", 1, 1]], "roc_curve", {});
    expect(c.x).toEqual([0, 1]);
    expect(c.series[0]!.values).toEqual([0, 1]);
  });
  it("draws one line named after y without a stroke column", () => {
    const c = curves(cols("epoch", "acc"), [[2, 0.9], [1, 0.8]], "line", { x: "epoch", y: "acc" });
    expect(c.x).toEqual([1, 2]);
    expect(c.series).toHaveLength(1);
    expect(c.series[0]!.name).toBe("acc");
  });
});

describe("scatter and bars", () => {
  it("colours scatter points by class", () => {
    const s = scatterPoints(cols("x", "y", "class"), [[1, 2, "a"], [2, 3, "b"], [3, "?", "a"]], { class: "class" });
    expect(s.points).toHaveLength(2);
    expect(s.groups.map((g) => g.name)).toEqual(["a", "b"]);
  });
  it("reads label and value", () => {
    expect(bars(cols("name", "score"), [["a", 1], ["b", "2"], ["c", null]], { label: "name", value: "score" })).toEqual([
      { label: "a", value: 1 },
      { label: "b", value: 2 },
    ]);
  });
});

describe("heat", () => {
  it("is 0 for nothing and 1 at the maximum", () => {
    expect(heat(0, 10)).toBe(0);
    expect(heat(10, 10)).toBe(1);
    expect(heat(1, 10)).toBeGreaterThan(0);
  });
});
