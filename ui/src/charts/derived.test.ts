import { describe, expect, it } from "vitest";
import { fromPoints, type Buckets } from "../lib/bucketing";
import { parseExpression } from "../lib/expression";
import { derivedLine, type MetricWindow } from "./derived";

function parse(text: string) {
  const parsed = parseExpression(text, new Set(["train/loss", "val/loss", "acc"]));
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed;
}

function exact(x: number[], y: number[]): MetricWindow {
  return { mode: "exact", data: fromPoints(x, y) };
}

function buckets(x: number[], mean: number[]): MetricWindow {
  const f = (a: number[]) => Float64Array.from(a);
  const data: Buckets = {
    x: f(x),
    min: f(mean),
    max: f(mean),
    mean: f(mean),
    std: f(mean.map(() => 0)),
    last: f(mean),
    count: f(mean.map(() => 5)),
  };
  return { mode: "buckets", data };
}

describe("derivedLine", () => {
  it("evaluates on the steps where every metric has a value", () => {
    const { expr, metrics } = parse("val/loss - train/loss");
    const windows = new Map([
      ["train/loss", exact([0, 1, 2, 3, 4, 5], [1, 0.9, 0.8, 0.7, 0.6, 0.5])],
      ["val/loss", exact([0, 5, 7], [1.5, 0.75, 0.7])],
    ]);
    const line = derivedLine(expr, metrics, windows, 100)!;
    expect(line.mode).toBe("exact");
    expect(line.bucketMeans).toBe(false);
    expect(Array.from(line.data.x)).toEqual([0, 5]);
    expect(Array.from(line.data.mean)).toEqual([0.5, 0.25]);
  });

  it("keeps NaN values as NaN points (gaps), and takes a repeated step's last value", () => {
    const { expr, metrics } = parse("1 - acc");
    const line = derivedLine(expr, metrics, new Map([["acc", exact([0, 1, 1, 2], [0.5, 0.6, 0.75, NaN])]]), 100)!;
    expect(Array.from(line.data.x)).toEqual([0, 1, 2]);
    expect(line.data.mean[0]).toBe(0.5);
    expect(line.data.mean[1]).toBe(0.25);
    expect(Number.isNaN(line.data.mean[2])).toBe(true);
  });

  it("uses the bucket means on a common grid when any metric is bucketed", () => {
    const { expr, metrics } = parse("val/loss - train/loss");
    const windows = new Map([
      // cells of width 10 over [0, 100]
      ["train/loss", buckets([0, 10, 20, 95], [1, 0.8, 0.6, 0.2])],
      ["val/loss", exact([0, 12, 15, 100], [2, 1.2, 1.0, 0.5])],
    ]);
    const line = derivedLine(expr, metrics, windows, 10)!;
    expect(line.mode).toBe("buckets");
    expect(line.bucketMeans).toBe(true);
    // cell 0: 2 - 1; cell 1: mean(1.2, 1.0) - 0.8; cell 2: no val/loss; cell 9: 0.5 - 0.2
    expect(Array.from(line.data.x)).toEqual([0, 10, 95]);
    const v = Array.from(line.data.mean);
    expect(v[0]).toBeCloseTo(1, 12);
    expect(v[1]).toBeCloseTo(0.3, 12);
    expect(v[2]).toBeCloseTo(0.3, 12);
  });

  it("gives nothing when a metric is missing or the expression names none", () => {
    const { expr, metrics } = parse("val/loss - train/loss");
    expect(derivedLine(expr, metrics, new Map([["val/loss", exact([0], [1])]]), 10)).toBeNull();
    const constant = parse("1 + 2");
    expect(derivedLine(constant.expr, constant.metrics, new Map(), 10)).toBeNull();
  });
});
