import { describe, expect, it } from "vitest";
import { buildSections, EMPTY_LAYOUT, lineId, settingsOf } from "./layout";
import { parseMetricRules, ruleFor, summaryText, withRules, type MetricRule } from "./metricRules";

const rule = (name: string, fields: Partial<MetricRule> = {}): MetricRule => ({
  name,
  step_metric: null,
  summary: [],
  goal: null,
  hidden: false,
  step_sync: true,
  ...fields,
});

describe("metric rules", () => {
  it("reads only well-formed rules", () => {
    expect(parseMetricRules(null)).toEqual([]);
    expect(parseMetricRules([3, { name: "" }, { name: "a", hidden: "yes", summary: ["min", 1] }, "x"])).toEqual([
      rule("a", { summary: ["min"] }),
    ]);
  });

  it("matches a key's own rule first, else the last matching glob (only * is special)", () => {
    const rules = [rule("val/loss", { summary: ["min"] }), rule("val/*", { step_metric: "epoch" }), rule("v?l.*")];
    expect(ruleFor("val/loss", rules)?.summary).toEqual(["min"]);
    expect(ruleFor("val/a/b", rules)?.name).toBe("val/*");
    expect(ruleFor("valid", rules)).toBeUndefined();
    expect(ruleFor("v?l.x", rules)?.name).toBe("v?l.*");
    expect(ruleFor("val.x", rules)).toBeUndefined();
    expect(ruleFor("val/x", [rule("*", { hidden: true }), rule("val/*")])?.hidden).toBe(false);
  });

  it("gives history keys their step metric and hidden flag; a key is never its own x", () => {
    const keys = withRules(
      [
        { key: "val/loss", kind: "history" },
        { key: "epoch", kind: "history" },
        { key: "debug/grad", kind: "history" },
        { key: "system/cpu", kind: "system" },
      ],
      [rule("*", { step_metric: "epoch" }), rule("debug/*", { hidden: true })],
    );
    expect(keys).toEqual([
      { key: "val/loss", kind: "history", stepMetric: "epoch" },
      { key: "epoch", kind: "history" },
      { key: "debug/grad", kind: "history", hidden: true },
      { key: "system/cpu", kind: "system" },
    ]);
    const panels = buildSections(EMPTY_LAYOUT, keys).flatMap((s) => s.panels.map((p) => p.key));
    expect(panels).toEqual(["epoch", "val/loss", "system/cpu"]);
  });

  it("plots against the step metric unless the panel's settings say otherwise", () => {
    const panel = { id: lineId("val/loss"), type: "line", key: "val/loss", size: "M" as const };
    expect(settingsOf(panel, "history", "epoch").xAxis).toBe("epoch");
    expect(settingsOf({ ...panel, settings: { xAxis: "step" } }, "history", "epoch").xAxis).toBe("step");
    expect(settingsOf(panel, "history").xAxis).toBe("step");
  });

  it("describes summaries", () => {
    expect(summaryText(rule("a"))).toBe("last");
    expect(summaryText(rule("a", { summary: ["min", "max"] }))).toBe("min, max");
    expect(summaryText(rule("a", { summary: ["best"], goal: "maximize" }))).toBe("best (maximize)");
  });
});
