import { describe, expect, it } from "vitest";
import { fromPoints, type Buckets } from "../lib/bucketing";
import { DEFAULT_SETTINGS } from "./layout";
import { smoothGaussian } from "../lib/smoothing";
import { buildLineModel, dashFor, wantsStd, type RunSeries } from "./lineData";

function run(path: string, b: Buckets, mode: "exact" | "buckets" = "exact", group: string | null = null): RunSeries {
  return { path, name: path, color: "#112233", group, mode, total: b.x.length, data: b };
}

describe("buildLineModel", () => {
  it("keeps exact points at their own x (union over runs), NaN as gaps", () => {
    const m = buildLineModel(
      [run("a", fromPoints([0, 1, 2], [1, NaN, 3])), run("b", fromPoints([1, 3], [5, 6]))],
      { settings: DEFAULT_SETTINGS, grouped: false, cells: 100, zoom: null },
    );
    expect(m.mode).toBe("exact");
    expect(m.x).toEqual([0, 1, 2, 3]);
    expect(m.columns).toEqual([
      [1, null, 3, null],
      [null, 5, null, 6],
    ]);
    expect(m.lines.map((l) => l.label)).toEqual(["a", "b"]);
  });

  it("adds a faint raw line under the smoothed one", () => {
    const m = buildLineModel([run("a", fromPoints([0, 1, 2], [0, 10, 0]))], {
      settings: { ...DEFAULT_SETTINGS, smoothing: 0.5 },
      grouped: false,
      cells: 100,
      zoom: null,
    });
    expect(m.specs.map((s) => s.kind)).toEqual(["raw", "line"]);
    expect(m.columns[0]).toEqual([0, 10, 0]);
    expect(m.columns[1]![0]).toBe(0);
    expect(m.lines[0]).toMatchObject({ series: 2, raw: 1 });
  });

  it("puts bucketed runs on a common grid with a min/max band", () => {
    const b: Buckets = {
      x: Float64Array.from([0, 50]),
      min: Float64Array.from([0, 1]),
      max: Float64Array.from([2, 3]),
      mean: Float64Array.from([1, 2]),
      std: Float64Array.from([0.5, 0.25]),
      last: Float64Array.from([1, 2]),
      count: Float64Array.from([10, 10]),
    };
    const m = buildLineModel([run("a", b, "buckets")], { settings: DEFAULT_SETTINGS, grouped: false, cells: 10, zoom: null });
    expect(m.mode).toBe("buckets");
    expect(m.x).toEqual([0, 50]);
    expect(m.specs.map((s) => s.kind)).toEqual(["band", "band", "line"]);
    expect(m.columns).toEqual([
      [2, 3],
      [0, 1],
      [1, 2],
    ]);
    expect(m.bands).toEqual([{ upper: 1, lower: 2, color: "rgba(17, 34, 51, 0.15)" }]);

    // band "std": mean ± the bucket's std; "off": no band
    const std = buildLineModel([run("a", b, "buckets")], {
      settings: { ...DEFAULT_SETTINGS, band: "std" },
      grouped: false,
      cells: 10,
      zoom: null,
    });
    expect(std.specs.map((s) => s.kind)).toEqual(["band", "band", "line"]);
    expect(std.columns).toEqual([
      [1.5, 2.25],
      [0.5, 1.75],
      [1, 2],
    ]);
    const off = buildLineModel([run("a", b, "buckets")], {
      settings: { ...DEFAULT_SETTINGS, band: "off" },
      grouped: false,
      cells: 10,
      zoom: null,
    });
    expect(off.specs.map((s) => s.kind)).toEqual(["line"]);
    // a std the server did not send (NaN) leaves the band out rather than drawing a wrong one
    const unknown = buildLineModel([run("a", { ...b, std: Float64Array.from([NaN, NaN]) }, "buckets")], {
      settings: { ...DEFAULT_SETTINGS, band: "std" },
      grouped: false,
      cells: 10,
      zoom: null,
    });
    expect(unknown.columns.slice(0, 2)).toEqual([
      [null, null],
      [null, null],
    ]);
  });

  it("asks the server for std only for a ±std band of single runs", () => {
    expect(wantsStd("std", false)).toBe(true);
    expect(wantsStd("std", true)).toBe(false); // groups: std across runs, computed here
    expect(wantsStd("minmax", false)).toBe(false);
    expect(wantsStd("off", false)).toBe(false);
  });

  it("draws one mean line per group with the spread across its runs", () => {
    const m = buildLineModel(
      [
        run("a", fromPoints([0, 10], [1, 1]), "exact", "adam"),
        run("b", fromPoints([0, 10], [3, 5]), "exact", "adam"),
        run("c", fromPoints([0, 10], [7, 7]), "exact", "sgd"),
      ],
      { settings: DEFAULT_SETTINGS, grouped: true, cells: 10, zoom: null },
    );
    expect(m.lines.map((l) => [l.label, l.runs])).toEqual([
      ["adam (2)", 2],
      ["sgd (1)", 1],
    ]);
    const adam = m.lines[0]!;
    expect(m.columns[adam.series - 1]).toEqual([2, 3]);
    expect(m.bands).toHaveLength(1); // a single-run group has no band
    expect(m.columns[m.bands[0]!.upper - 1]).toEqual([3, 5]);
    expect(m.columns[m.bands[0]!.lower - 1]).toEqual([1, 1]);
  });

  it("drops non-positive values on log scales and points outside the zoom", () => {
    const m = buildLineModel([run("a", fromPoints([0, 1, 2, 3], [-1, 0, 10, 100]))], {
      settings: { ...DEFAULT_SETTINGS, logX: true, logY: true },
      grouped: false,
      cells: 100,
      zoom: { min: 0, max: 2 },
    });
    expect(m.x).toEqual([1, 2]);
    expect(m.columns[0]).toEqual([null, 10]);
  });

  it("names and dashes one line per run and metric, grouping lines of one metric together", () => {
    const series = (path: string, metric: string, index: number, group: string | null = null): RunSeries => ({
      ...run(path, fromPoints([0, 1], [index, index + 1]), "exact", group),
      metric,
      dash: dashFor(index),
    });
    const m = buildLineModel([series("a", "train/loss", 0), series("a", "val/loss", 1)], {
      settings: DEFAULT_SETTINGS,
      grouped: false,
      cells: 100,
      zoom: null,
    });
    expect(m.lines.map((l) => [l.label, l.dash])).toEqual([
      ["a · train/loss", []],
      ["a · val/loss", [6, 4]],
    ]);
    expect(m.specs.map((s) => s.dash)).toEqual([[], [6, 4]]);
    const grouped = buildLineModel(
      [series("a", "train/loss", 0, "g"), series("b", "train/loss", 0, "g"), series("a", "val/loss", 1, "g")],
      { settings: DEFAULT_SETTINGS, grouped: true, cells: 10, zoom: null },
    );
    expect(grouped.lines.map((l) => [l.label, l.runs, l.dash])).toEqual([
      ["g (2) · train/loss", 2, []],
      ["g (1) · val/loss", 1, [6, 4]],
    ]);
  });

  it("smooths with the chosen kind, and draws no raw line when the kind leaves data as is", () => {
    const x = [0, 1, 2, 3, 4];
    const y = [0, 10, 0, 10, 0];
    const gauss = buildLineModel([run("a", fromPoints(x, y))], {
      settings: { ...DEFAULT_SETTINGS, smoothingType: "gaussian", smoothing: 1 },
      grouped: false,
      cells: 100,
      zoom: null,
    });
    expect(gauss.specs.map((s) => s.kind)).toEqual(["raw", "line"]);
    expect(gauss.columns[1]).toEqual(Array.from(smoothGaussian(x, y, 1)));
    const avg = buildLineModel([run("a", fromPoints(x, y))], {
      settings: { ...DEFAULT_SETTINGS, smoothingType: "average", smoothing: 3 },
      grouped: false,
      cells: 100,
      zoom: null,
    });
    expect(avg.columns[1]).toEqual([5, 10 / 3, 20 / 3, 10 / 3, 5]);
    for (const settings of [
      { ...DEFAULT_SETTINGS, smoothingType: "none" as const, smoothing: 0.9 },
      { ...DEFAULT_SETTINGS, smoothingType: "average" as const, smoothing: 1 },
    ]) {
      const off = buildLineModel([run("a", fromPoints(x, y))], { settings, grouped: false, cells: 100, zoom: null });
      expect(off.specs.map((s) => s.kind)).toEqual(["line"]);
    }
  });

  it("gives derived lines no band of their own", () => {
    const b: Buckets = {
      x: Float64Array.from([0, 50]),
      min: Float64Array.from([0, 1]),
      max: Float64Array.from([2, 3]),
      mean: Float64Array.from([1, 2]),
      std: Float64Array.from([0.5, 0.25]),
      last: Float64Array.from([1, 2]),
      count: Float64Array.from([10, 10]),
    };
    const m = buildLineModel([{ ...run("a", b, "buckets"), metric: "1 - acc", noBand: true }], {
      settings: DEFAULT_SETTINGS,
      grouped: false,
      cells: 10,
      zoom: null,
    });
    expect(m.specs.map((s) => s.kind)).toEqual(["line"]);
  });
});
