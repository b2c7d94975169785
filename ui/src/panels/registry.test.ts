import { describe, expect, it } from "vitest";
import {
  addPanel,
  buildSections,
  EMPTY_LAYOUT,
  lineId,
  mediaId,
  panelTitle,
  parseLayout,
  removePanel,
  sectionOf,
} from "../charts/layout";
import { newPanel } from "../charts/AddPanel";
import "./index";
import { addablePanels, moduleForMediaType, panelModule, panelModules, registerPanel } from "./registry";
import type { PanelModule } from "./types";

// stand-ins for the media modules other files register (the registry only reads these fields)
const Body = () => null;
const image: PanelModule = {
  type: "test-image",
  label: "Images",
  add: "media",
  mediaTypes: ["sample-file", "sample/separated"],
  Body,
  title: (p) => p.key ?? "",
};
const gallery: PanelModule = { ...image, type: "test-gallery", label: "Gallery", mediaTypes: ["sample/separated"] };
const table: PanelModule = { ...image, type: "test-table", label: "Table", mediaTypes: ["sample-table"] };
registerPanel(image, gallery, table);

const metrics = [
  { key: "train/loss", kind: "history" as const },
  { key: "epoch", kind: "history" as const },
];
const media = [
  { key: "val/examples", type: "sample-file" },
  { key: "preds", type: "sample-table" },
  { key: "samples", type: "sample-audio" }, // no module shows audio here: no panel
];

describe("registry", () => {
  it("registers line, scatter and bar in order, then the others", () => {
    const types = panelModules().map((m) => m.type);
    expect(types.slice(0, 3)).toEqual(["line", "scatter", "bar"]);
    expect(types.slice(-3)).toEqual(["test-image", "test-gallery", "test-table"]);
    expect(types).toContain("image");
    expect(panelModule("line")?.add).toBe("metric");
    expect(panelModule("nope")).toBeUndefined();
  });

  it("gives a media type's first listing module as its default", () => {
    expect(moduleForMediaType("sample/separated")?.type).toBe("test-image");
    expect(moduleForMediaType("sample-table")?.type).toBe("test-table");
    expect(moduleForMediaType("sample-audio")).toBeUndefined();
  });

  it("offers in Add panel only the types with keys to add", () => {
    const all = addablePanels({
      metrics: ["train/loss"],
      fieldKeys: ["config.lr", "summary.acc"],
      media,
    });
    expect(all.map((e) => [e.module.type, e.keys])).toEqual([
      ["line", ["train/loss"]],
      ["scatter", ["config.lr", "summary.acc"]],
      ["bar", ["summary.acc"]],
      ["parallel", ["summary.acc"]],
      ["importance", ["summary.acc"]],
      ["test-image", ["val/examples"]],
      ["test-table", ["preds"]],
    ]);
    // one run: no field panels; no metrics: no line panel; no media: no media panels
    const run = addablePanels({ metrics: [], fieldKeys: null, media: [] });
    expect(run).toEqual([]);
  });

  it("titles panels through their module and unknown types by key", () => {
    expect(panelTitle({ id: "s", type: "scatter", xKey: "config.lr", yKey: "summary.acc", size: "M" })).toBe(
      "summary.acc vs config.lr",
    );
    expect(panelTitle({ id: "b", type: "bar", key: "summary.acc", size: "M" })).toBe("summary.acc");
    expect(panelTitle({ id: "x", type: "from-the-future", key: "k", size: "M" })).toBe("k");
    expect(panelTitle({ id: "x", type: "from-the-future", size: "M" })).toBe("from-the-future panel");
  });
});

describe("layouts with media and unknown panel types", () => {
  it("generates a panel per handled media key in the key's section", () => {
    const sections = buildSections(EMPTY_LAYOUT, metrics, media);
    expect(sections.map((s) => [s.name, s.panels.map((p) => [p.id, p.type])])).toEqual([
      [
        "Charts",
        [
          [lineId("epoch"), "line"],
          [mediaId("preds"), "test-table"],
        ],
      ],
      ["train", [[lineId("train/loss"), "line"]]],
      ["val", [[mediaId("val/examples"), "test-image"]]],
    ]);
  });

  it("removes a generated media panel and brings it back through Add panel", () => {
    const generated = { id: mediaId("val/examples"), type: "test-image", key: "val/examples", size: "M" as const };
    let layout = removePanel(EMPTY_LAYOUT, generated);
    expect(layout.removedMedia).toEqual(["val/examples"]);
    expect(layout.removed).toEqual([]);
    expect(buildSections(layout, metrics, media).map((s) => s.name)).toEqual(["Charts", "train"]);
    // a metric of the same name is not affected
    expect(buildSections(layout, [{ key: "val/examples", kind: "history" }], []).map((s) => s.name)).toEqual(["val"]);

    const added = newPanel(gallery, ["val/examples"], "", "", "");
    expect(added?.type).toBe("test-gallery");
    layout = addPanel(layout, added!);
    expect(layout.removedMedia).toEqual([]);
    const val = buildSections(layout, metrics, media).find((s) => s.name === "val");
    expect(val?.panels.map((p) => [p.id, p.type])).toEqual([[mediaId("val/examples"), "test-gallery"]]);
  });

  it("adds a second panel of a shown media key beside the generated one", () => {
    const added = newPanel(table, ["preds"], "preds", "", "")!;
    expect(added.id.startsWith("test-table:preds#")).toBe(true);
    const layout = addPanel(EMPTY_LAYOUT, added);
    const charts = buildSections(layout, [], media).find((s) => s.name === "Charts");
    expect(charts?.panels.map((p) => p.id)).toEqual([added.id, mediaId("preds")]);
  });

  it("keeps panels of unknown types from a newer build, in their key's section", () => {
    const saved = {
      version: 1,
      panels: [
        { id: "heatmap:1", type: "from-the-future", key: "val/thing", size: "L", settings: { colour: "red" } },
        { id: "no-type" },
        { id: "empty-type", type: "" },
      ],
      removed: [],
      removedMedia: ["gone"],
      collapsed: [],
    };
    const layout = parseLayout(saved);
    expect(layout.panels).toEqual([saved.panels[0]]);
    expect(layout.removedMedia).toEqual(["gone"]);
    expect(sectionOf(layout.panels[0]!)).toBe("val");
    expect(sectionOf({ id: "u", type: "from-the-future", size: "M" })).toBe("Charts");
    expect(buildSections(layout, [], []).map((s) => [s.name, s.panels.length])).toEqual([["val", 1]]);
  });

  it("puts scatter and bar panels in Charts, whatever their key", () => {
    expect(sectionOf({ id: "b", type: "bar", key: "summary/acc", size: "M" })).toBe("Charts");
    expect(sectionOf({ id: "l", type: "line", key: "train/acc", size: "M" })).toBe("train");
  });

  it("adds line, scatter and bar panels as before", () => {
    const line = newPanel(panelModule("line")!, ["train/loss"], "", "", "")!;
    expect(line).toMatchObject({ type: "line", key: "train/loss" });
    expect(line.id.startsWith(`${lineId("train/loss")}#`)).toBe(true);
    expect(line.keys).toEqual(["train/loss"]);
    // several metrics: the first is the panel's key; keys it does not offer are left out
    const several = newPanel(panelModule("line")!, ["train/loss", "val/loss"], "val/loss", "", "", ["train/loss", "val/loss", "nope"])!;
    expect(several).toMatchObject({ key: "val/loss", keys: ["val/loss", "train/loss"] });
    expect(newPanel(panelModule("scatter")!, ["config.lr", "summary.acc"], "", "", "")).toMatchObject({
      type: "scatter",
      xKey: "config.lr",
      yKey: "summary.acc",
    });
    expect(newPanel(panelModule("bar")!, ["summary.acc"], "", "", "")).toMatchObject({ type: "bar", key: "summary.acc" });
    expect(newPanel(panelModule("bar")!, [], "", "", "")).toBeNull();
    // a removed generated line panel comes back instead of a second one
    const removed = removePanel(EMPTY_LAYOUT, { id: lineId("train/loss"), type: "line", key: "train/loss", size: "M" });
    expect(addPanel(removed, line)).toEqual({ ...EMPTY_LAYOUT, panels: [{ ...line, id: lineId("train/loss") }] });
  });
});
