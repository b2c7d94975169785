/** The media panels' settings, kept in `PanelConfig.settings` beside the line settings; read
 * defensively (a saved layout may hold anything) and written back whole. */

import type { PanelConfig } from "../../charts/layout";

export interface MediaSettings {
  /** the chosen step; null follows the latest */
  step: number | null;
  /** class ids (as text) whose boxes and mask pixels are hidden */
  hiddenClasses: string[];
  /** the box score the threshold applies to; null: no threshold */
  scoreName: string | null;
  /** boxes whose score is below this are hidden */
  scoreMin: number;
  /** mask opacity in [0, 1] */
  maskOpacity: number;
  showBoxes: boolean;
  showMasks: boolean;
  /** histogram panel: heatmap over steps, or bars of the latest step */
  histView: "heatmap" | "latest";
}

export const DEFAULT_MEDIA_SETTINGS: MediaSettings = {
  step: null,
  hiddenClasses: [],
  scoreName: null,
  scoreMin: 0,
  maskOpacity: 0.5,
  showBoxes: true,
  showMasks: true,
  histView: "heatmap",
};

const clamp01 = (v: number) => Math.min(1, Math.max(0, v));

/** The media settings of a panel, defaults for anything missing or malformed. */
export function mediaSettings(panel: Pick<PanelConfig, "settings">): MediaSettings {
  const raw = (panel.settings ?? {}) as Record<string, unknown>;
  const d = DEFAULT_MEDIA_SETTINGS;
  const step = raw.step;
  const hidden = raw.hiddenClasses;
  return {
    step: typeof step === "number" && Number.isInteger(step) ? step : null,
    hiddenClasses: Array.isArray(hidden) ? hidden.filter((c): c is string => typeof c === "string") : d.hiddenClasses,
    scoreName: typeof raw.scoreName === "string" && raw.scoreName ? raw.scoreName : null,
    scoreMin: typeof raw.scoreMin === "number" && Number.isFinite(raw.scoreMin) ? raw.scoreMin : d.scoreMin,
    maskOpacity: typeof raw.maskOpacity === "number" && Number.isFinite(raw.maskOpacity) ? clamp01(raw.maskOpacity) : d.maskOpacity,
    showBoxes: typeof raw.showBoxes === "boolean" ? raw.showBoxes : d.showBoxes,
    showMasks: typeof raw.showMasks === "boolean" ? raw.showMasks : d.showMasks,
    histView: raw.histView === "latest" ? "latest" : d.histView,
  };
}

/** The panel with some media settings changed (other settings, line ones included, kept). */
export function withMediaSettings(panel: PanelConfig, change: Partial<MediaSettings>): PanelConfig {
  const settings = { ...(panel.settings ?? {}), ...change };
  // PanelConfig.settings is typed for line panels; the saved layout keeps any keys a panel stores
  return { ...panel, settings };
}
