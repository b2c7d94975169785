import { describe, expect, it } from "vitest";
import {
  axisKeys,
  axisTicks,
  buildAxis,
  countHighlighted,
  placeRuns,
  position,
  sequentialColor,
  spansDecades,
  varyingKeys,
} from "./parallelModel";

const run = (config: Record<string, unknown>, summary: Record<string, unknown> = {}) => ({ config, summary });

describe("varyingKeys", () => {
  it("lists the config keys that differ, nested as dotted keys", () => {
    const runs = [
      run({ lr: 0.1, opt: "adam", seed: 1, model: { depth: 2 }, _wandb: { x: 1 } }),
      run({ lr: 0.01, opt: "adam", seed: 1, model: { depth: 4 } }),
    ];
    expect(varyingKeys(runs)).toEqual(["config.lr", "config.model.depth"]);
  });
  it("treats {value, desc} entries as one value and a missing key as a difference", () => {
    const runs = [run({ lr: { value: 0.1, desc: "x" }, extra: 1 }), run({ lr: { value: 0.1, desc: "x" } })];
    expect(varyingKeys(runs)).toEqual(["config.extra"]);
  });
});

describe("axes", () => {
  it("is linear for a narrow positive range and log from two decades", () => {
    const narrow = [run({ lr: 1 }), run({ lr: 50 })];
    const wide = [run({ lr: 0.001 }), run({ lr: 0.1 })];
    expect(buildAxis(narrow, "config.lr").kind).toBe("linear");
    expect(buildAxis(wide, "config.lr").kind).toBe("log");
    expect(buildAxis(wide, "config.lr", false).kind).toBe("linear");
    expect(buildAxis(narrow, "config.lr", true).kind).toBe("log");
    expect(spansDecades(-1, 1000)).toBe(false);
  });
  it("never takes a log of a range reaching zero", () => {
    expect(buildAxis([run({ x: 0 }), run({ x: 1000 })], "config.x", true).kind).toBe("linear");
  });
  it("places values: log positions by decade, categories in sorted order", () => {
    const runs = [run({ lr: 0.001, opt: "sgd" }), run({ lr: 0.01, opt: "adam" }), run({ lr: 0.1, opt: "adamw" })];
    const lr = buildAxis(runs, "config.lr");
    expect(position(lr, 0.01)).toBeCloseTo(0.5);
    const opt = buildAxis(runs, "config.opt");
    expect(opt.kind).toBe("categorical");
    expect(opt.categories).toEqual(["adam", "adamw", "sgd"]);
    expect(position(opt, "sgd")).toBe(1);
    expect(position(opt, "adam")).toBe(0);
    expect(position(opt, undefined)).toBeNull();
  });
  it("orders numeric-looking categories numerically and makes booleans categories", () => {
    const axis = buildAxis([run({ b: 10 }), run({ b: "2" }), run({ b: true })], "config.b");
    expect(axis.kind).toBe("categorical");
    expect(axis.categories).toEqual(["2", "10", "true"]);
  });
  it("ticks a log axis at powers of ten", () => {
    const axis = buildAxis([run({ lr: 0.0001 }), run({ lr: 0.1 })], "config.lr");
    expect(axisTicks(axis).map((t) => t.label)).toEqual(["1e-4", "0.001", "0.01", "0.1"]);
  });
});

describe("brushing", () => {
  const runs = [1, 2, 3, 4, 5].map((x) => run({ x, y: x % 2 ? "odd" : "even" }, { acc: x / 10 }));
  const axes = ["config.x", "config.y", "summary.acc"].map((k) => buildAxis(runs, k));
  const rows = placeRuns(runs, axes);
  it("counts every run without brushes", () => {
    expect(countHighlighted(rows, axes, {})).toBe(5);
  });
  it("keeps runs inside every brushed range, whichever way it was dragged", () => {
    expect(countHighlighted(rows, axes, { "config.x": [0.6, 0] })).toBe(3);
    expect(countHighlighted(rows, axes, { "config.x": [0, 0.6], "config.y": [0.9, 1] })).toBe(2);
  });
});

describe("sequentialColor and axisKeys", () => {
  it("maps the ends of the scale and clamps", () => {
    expect(sequentialColor(0)).toBe("rgb(68, 1, 84)");
    expect(sequentialColor(1)).toBe("rgb(253, 231, 37)");
    expect(sequentialColor(7)).toBe(sequentialColor(1));
  });
  it("puts the metric last, once", () => {
    const runs = [run({ a: 1, b: 1 }), run({ a: 2, b: 1 })];
    expect(axisKeys(runs, undefined, "summary.acc")).toEqual(["config.a", "summary.acc"]);
    expect(axisKeys(runs, ["summary.acc", "config.b"], "summary.acc")).toEqual(["config.b", "summary.acc"]);
  });
});
