import { describe, expect, it } from "vitest";
import type { PanelConfig } from "../../charts/layout";
import { DEFAULT_MEDIA_SETTINGS, mediaSettings, withMediaSettings } from "./settings";

const panel = (settings: unknown): PanelConfig => ({ id: "media:img", type: "line", key: "img", size: "M", settings: settings as PanelConfig["settings"] });

describe("mediaSettings", () => {
  it("gives defaults for missing or malformed settings", () => {
    expect(mediaSettings(panel(undefined))).toEqual(DEFAULT_MEDIA_SETTINGS);
    expect(mediaSettings(panel({ step: 1.5, hiddenClasses: "x", maskOpacity: "a", histView: "pie" }))).toEqual(DEFAULT_MEDIA_SETTINGS);
  });
  it("reads saved values and clamps the opacity", () => {
    const s = mediaSettings(panel({ step: 7, hiddenClasses: ["1", 2], scoreName: "conf", scoreMin: 0.3, maskOpacity: 3, histView: "latest" }));
    expect(s).toMatchObject({ step: 7, hiddenClasses: ["1"], scoreName: "conf", scoreMin: 0.3, maskOpacity: 1, histView: "latest" });
  });
});

describe("withMediaSettings", () => {
  it("changes only the given settings and keeps the others", () => {
    const next = withMediaSettings(panel({ smoothing: 0.5, step: 3 }), { hiddenClasses: ["2"] });
    expect(next.settings).toEqual({ smoothing: 0.5, step: 3, hiddenClasses: ["2"] });
    expect(mediaSettings(next).step).toBe(3);
  });
});
