import { describe, expect, it } from "vitest";
import type { PanelConfig } from "../../charts/layout";
import { queryBody, tableRoute } from "./api";
import { nextSort, tableSettings, withSettings } from "./settings";
import { valueAt } from "./steps";
import { baseColumns, cellView, exportName, groupableColumns, MAX_PARTIAL_POLLS, partialPollDelay, rowAt, rowCount, rowsText, WINDOW, windowsFor } from "./tableModel";

describe("windowsFor", () => {
  it("covers the rows on screen", () => {
    expect(windowsFor(0, 30, 1000)).toEqual([0]);
    expect(windowsFor(WINDOW - 5, WINDOW + 5, 1000)).toEqual([0, 1]);
    expect(windowsFor(3 * WINDOW, 3 * WINDOW + 10, 3 * WINDOW + 4)).toEqual([3]);
    expect(windowsFor(0, 0, 0)).toEqual([0]);
  });
  it("finds a row in its window", () => {
    const windows = new Map([[1, { key: "t", step: 0, total: 500, columns: [], rows: [["r200"], ["r201"]] }]]);
    expect(rowAt(windows, WINDOW + 1)).toEqual(["r201"]);
    expect(rowAt(windows, 3)).toBeUndefined();
  });
});

describe("cellView", () => {
  it("shows images as thumbnails, other media as badges", () => {
    expect(cellView({ _type: "image-file", url: "/m/1", caption: "cat" })).toEqual({ kind: "image", url: "/m/1", alt: "cat" });
    expect(cellView({ _type: "audio-file", url: "/m/2", caption: "bark" })).toEqual({ kind: "media", label: "audio: bark", url: "/m/2" });
    expect(cellView('{"_type": "video-file"}')).toEqual({ kind: "media", label: "video", url: null });
  });
  it("formats numbers and leaves text alone", () => {
    expect(cellView(0.123456789)).toEqual({ kind: "text", text: "0.12346", numeric: true });
    expect(cellView("cat")).toEqual({ kind: "text", text: "cat", numeric: false });
    expect(cellView(null)).toEqual({ kind: "empty" });
    expect(cellView([1, 2])).toEqual({ kind: "text", text: "[1,2]", numeric: false });
  });
});

describe("columns", () => {
  it("strips run prefixes and the stacked run column", () => {
    const cols = [
      { name: "run", type: "text" },
      { name: "id", type: "number" },
      { name: "r1/score", type: "number" },
      { name: "r2/score", type: "number" },
      { name: "r1/img", type: "media:image-file" },
    ];
    expect(baseColumns(cols, ["r1", "r2"]).map((c) => c.name)).toEqual(["id", "score", "img"]);
    expect(groupableColumns(baseColumns(cols, ["r1", "r2"]))).toEqual(["id", "score"]);
    expect(baseColumns(cols, ["r1"]).map((c) => c.name)).toEqual(["run", "id", "score", "r2/score", "img"]);
  });
  it("names the export file after the key and step", () => {
    expect(exportName("eval/preds", 3)).toBe("eval_preds_step3.csv");
    expect(exportName("t", null)).toBe("t.csv");
  });
});

describe("routes", () => {
  const q = { key: "t", offset: 0, limit: 10, join_on: "id" };
  it("asks the run route for one run, the project route for several", () => {
    expect(tableRoute({ entity: "e", project: "p", runIds: ["a b"] }, "query")).toBe("/runs/e/p/a%20b/tables/query");
    expect(queryBody({ entity: "e", project: "p", runIds: ["a"] }, q)).toEqual({ key: "t", offset: 0, limit: 10 });
    expect(tableRoute({ entity: "e", project: "p", runIds: ["a", "b"] }, "export")).toBe("/projects/e/p/tables/export");
    expect(queryBody({ entity: "e", project: "p", runIds: ["a", "b"] }, q)).toEqual({ ...q, runs: ["a", "b"] });
  });
});

describe("settings", () => {
  const panel: PanelConfig = { id: "media:t", type: "line", key: "t", size: "M" };
  it("reads garbage as defaults and merges changes", () => {
    const bad = { ...panel, settings: { step: -1, sort: [{ column: 1 }], expr: 3 } } as unknown as PanelConfig;
    expect(tableSettings(bad)).toEqual({ step: null, sort: [], expr: "", groupBy: null, joinOn: null });
    const next = withSettings(withSettings(panel, { expr: "a > 1" }), { step: 4 });
    expect(tableSettings(next)).toMatchObject({ expr: "a > 1", step: 4 });
  });
  it("cycles the sort of a column", () => {
    expect(nextSort([], "a")).toEqual([{ column: "a", order: "asc" }]);
    expect(nextSort([{ column: "a", order: "asc" }], "a")).toEqual([{ column: "a", order: "desc" }]);
    expect(nextSort([{ column: "a", order: "desc" }], "a")).toEqual([]);
    expect(nextSort([{ column: "a", order: "desc" }], "b")).toEqual([{ column: "b", order: "asc" }]);
  });
  it("picks a value by step", () => {
    const values = [
      { step: 1, time: 0, value: "a" },
      { step: 2, time: 0, value: "b" },
      { step: 2, time: 1, value: "c" },
    ];
    expect(valueAt(values, null)?.value).toBe("c");
    expect(valueAt(values, 2)?.value).toBe("c");
    expect(valueAt(values, 1)?.value).toBe("a");
    expect(valueAt(values, 9)).toBeUndefined();
  });
});

describe("a partial first answer (the server is still building the table)", () => {
  const rows = Array.from({ length: WINDOW }, (_, i) => [i]);
  const partial = { key: "t", step: 0, total: null, partial: true, columns: [], rows };
  const full = { ...partial, total: 1_000_000, partial: false };

  it("shows the rows it has and says the rest is loading", () => {
    expect(rowCount(partial)).toBe(WINDOW);
    expect(rowCount(full)).toBe(1_000_000);
    expect(windowsFor(0, WINDOW + 50, rowCount(partial))).toEqual([0]);
    expect(rowsText(partial, true)).toBe(`first ${WINDOW} rows · loading the rest…`);
    expect(rowsText(partial, false)).toBe(`first ${WINDOW} rows · the rest is still being built`);
    expect(rowsText(full, false)).toBe(`${(1_000_000).toLocaleString()} rows`);
    expect(rowsText({ total: 1, rows: [[1]] }, false)).toBe("1 row");
  });

  it("asks again with backoff until a full answer, a bounded number of times", () => {
    const delays = Array.from({ length: 6 }, (_, i) => partialPollDelay(partial, i + 1));
    expect(delays).toEqual([250, 500, 1000, 2000, 4000, 4000]);
    expect(partialPollDelay(partial, MAX_PARTIAL_POLLS)).toBe(4000);
    expect(partialPollDelay(partial, MAX_PARTIAL_POLLS + 1)).toBe(false);
    expect(partialPollDelay(full, 1)).toBe(false);
    expect(partialPollDelay({}, 1)).toBe(false);
    expect(partialPollDelay(undefined, 0)).toBe(false);
  });
});
