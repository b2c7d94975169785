import { describe, expect, it } from "vitest";
import {
  buildSections,
  EMPTY_LAYOUT,
  lineId,
  lineKeys,
  movePanel,
  panelMatcher,
  parseLayout,
  removePanel,
  runValue,
  sectionOf,
  settingsOf,
  toggleCollapsed,
  upsertPanel,
} from "./layout";

const keys = [
  { key: "train/loss", kind: "history" as const },
  { key: "train/acc", kind: "history" as const },
  { key: "val/acc", kind: "history" as const },
  { key: "epoch", kind: "history" as const },
  { key: "system/cpu", kind: "system" as const },
];

describe("sections", () => {
  it("groups generated panels by prefix, Charts first and system last", () => {
    const sections = buildSections(EMPTY_LAYOUT, keys);
    expect(sections.map((s) => s.name)).toEqual(["Charts", "train", "val", "system"]);
    expect(sections[1]!.panels.map((p) => p.key)).toEqual(["train/loss", "train/acc"]);
    expect(sectionOf({ id: "x", type: "scatter", size: "M" })).toBe("Charts");
  });

  it("keeps removed keys out and brings saved panels first in their order", () => {
    let layout = removePanel(EMPTY_LAYOUT, { id: lineId("val/acc"), type: "line", key: "val/acc", size: "M" });
    expect(layout.removed).toEqual(["val/acc"]);
    layout = upsertPanel(layout, { id: lineId("train/acc"), type: "line", key: "train/acc", size: "L" });
    const sections = buildSections(layout, keys);
    expect(sections.map((s) => s.name)).toEqual(["Charts", "train", "system"]);
    expect(sections[1]!.panels.map((p) => [p.key, p.size])).toEqual([
      ["train/acc", "L"],
      ["train/loss", "M"],
    ]);
  });

  it("moves a panel within its section and remembers the order", () => {
    const train = buildSections(EMPTY_LAYOUT, keys)[1]!;
    const layout = movePanel(EMPTY_LAYOUT, train, lineId("train/acc"), 0);
    expect(buildSections(layout, keys)[1]!.panels.map((p) => p.key)).toEqual(["train/acc", "train/loss"]);
  });

  it("toggles collapsed sections", () => {
    const once = toggleCollapsed(EMPTY_LAYOUT, "train");
    expect(once.collapsed).toEqual(["train"]);
    expect(toggleCollapsed(once, "train").collapsed).toEqual([]);
  });
});

describe("panelMatcher", () => {
  const panel = (key: string) => ({ id: lineId(key), type: "line" as const, key, size: "M" as const });
  it("matches substrings case-insensitively and regexes", () => {
    expect(panelMatcher("LOSS")(panel("train/loss"))).toBe(true);
    expect(panelMatcher("/^val\\//")(panel("val/acc"))).toBe(true);
    expect(panelMatcher("/^val\\//")(panel("train/val"))).toBe(false);
    expect(panelMatcher("acc$")(panel("val/acc"))).toBe(true);
  });
  it("falls back to a substring for an invalid regex", () => {
    expect(panelMatcher("loss[")(panel("a/loss[1]"))).toBe(true);
    expect(panelMatcher("")(panel("x"))).toBe(true);
  });
});

describe("parseLayout and settings", () => {
  it("reads malformed saved values as empty", () => {
    expect(parseLayout(null)).toEqual(EMPTY_LAYOUT);
    expect(parseLayout({ panels: [{ id: 3 }, { id: "a", type: "line", size: "XL" }], removed: [1, "k"] })).toEqual({
      version: 1,
      panels: [{ id: "a", type: "line", size: "M" }],
      removed: ["k"],
      removedMedia: [],
      collapsed: [],
    });
  });
  it("defaults system metrics to relative time", () => {
    expect(settingsOf({ id: "a", type: "line", size: "M" }, "system").xAxis).toBe("relative");
    expect(settingsOf({ id: "a", type: "line", size: "M", settings: { xAxis: "time" } }, "system").xAxis).toBe("time");
  });
});

describe("line panels with several metrics", () => {
  it("loads a saved panel with one `key` as `keys: [key]`, and keeps key as the first metric", () => {
    const old = parseLayout({ panels: [{ id: "line:train/loss", type: "line", key: "train/loss", size: "L", settings: { smoothing: 0.6 } }] });
    expect(old.panels).toEqual([
      { id: "line:train/loss", type: "line", key: "train/loss", keys: ["train/loss"], size: "L", settings: { smoothing: 0.6 } },
    ]);
    // an old EMA weight stays an EMA weight
    expect(settingsOf(old.panels[0]!, "history")).toMatchObject({ smoothingType: "exponential", smoothing: 0.6 });
    const multi = parseLayout({
      panels: [{ id: "p", type: "line", key: "stale", keys: ["val/loss", 3, "train/loss", "val/loss"], expressions: ["1 - acc", null], size: "M" }],
    });
    expect(multi.panels[0]).toEqual({
      id: "p",
      type: "line",
      key: "val/loss",
      keys: ["val/loss", "train/loss"],
      expressions: ["1 - acc"],
      size: "M",
    });
    // a panel of derived lines only keeps its key for its section, and plots no plain metric
    const derived = parseLayout({ panels: [{ id: "d", type: "line", key: "val/loss", keys: [], expressions: ["1 - acc"], size: "M" }] });
    expect(lineKeys(derived.panels[0]!)).toEqual([]);
    expect(sectionOf(derived.panels[0]!)).toBe("val");
    expect(lineKeys(parseLayout({ panels: [{ id: "e", type: "line", key: "k", keys: [], size: "M" }] }).panels[0]!)).toEqual(["k"]);
    // other panel types are left as they are
    expect(parseLayout({ panels: [{ id: "b", type: "bar", key: "summary.acc", size: "M" }] }).panels[0]).toEqual({
      id: "b",
      type: "bar",
      key: "summary.acc",
      size: "M",
    });
  });

  it("reads a panel's metrics from keys or its one key, and shows a legend where lines need names", () => {
    expect(lineKeys({ id: "a", type: "line", key: "x", size: "M" })).toEqual(["x"]);
    expect(lineKeys({ id: "a", type: "line", key: "x", keys: ["x", "y"], size: "M" })).toEqual(["x", "y"]);
    expect(lineKeys({ id: "a", type: "line", size: "M" })).toEqual([]);
    expect(settingsOf({ id: "a", type: "line", key: "x", size: "M" }, "history").legend).toBe(false);
    expect(settingsOf({ id: "a", type: "line", key: "x", keys: ["x", "y"], size: "M" }, "history").legend).toBe(true);
    expect(settingsOf({ id: "a", type: "line", key: "x", expressions: ["1 - x"], size: "M" }, "history").legend).toBe(true);
    const off = { id: "a", type: "line", key: "x", keys: ["x", "y"], size: "M" as const, settings: { legend: false } };
    expect(settingsOf(off, "history").legend).toBe(false);
  });

  it("keeps a panel of several metrics in its first metric's section", () => {
    const layout = parseLayout({ panels: [{ id: "p", type: "line", keys: ["val/loss", "train/loss"], size: "M" }] });
    const sections = buildSections(layout, keys);
    expect(sections.find((s) => s.name === "val")!.panels.map((p) => p.id)).toEqual(["p", lineId("val/acc")]);
  });
});

describe("runValue", () => {
  it("reads flat dotted keys, nested objects and {value} wrappers", () => {
    const run = { config: { "a.b": 1, opt: { lr: 0.1 }, wrapped: { value: 3, desc: "x" } }, summary: { acc: 0.9 } };
    expect(runValue(run, "config.a.b")).toBe(1);
    expect(runValue(run, "config.opt.lr")).toBe(0.1);
    expect(runValue(run, "config.wrapped")).toBe(3);
    expect(runValue(run, "summary.acc")).toBe(0.9);
    expect(runValue(run, "summary.missing")).toBeUndefined();
    expect(runValue(run, "other.acc")).toBeUndefined();
  });
});
