/** The line plot of one metric across runs (generated for every metric key). */

import { LinePanel } from "../charts/LinePanel";
import { PanelSettings } from "../charts/PanelSettings";
import { settingsOf, type LineSettings } from "../charts/layout";
import { usePanelEnv } from "../charts/panelEnv";
import type { PanelBodyProps, PanelModule, PanelSettingsProps } from "./types";

function LineBody({ panel, runs, grouped, width, height, seen, onState, onPainted }: PanelBodyProps) {
  const env = usePanelEnv();
  if (!panel.key) return null;
  return (
    <LinePanel
      metric={panel.key}
      runs={runs}
      grouped={grouped}
      settings={settingsOf(panel, env.metricKinds.get(panel.key), env.stepMetrics.get(panel.key))}
      width={width}
      height={height}
      seen={seen}
      onState={onState}
      onPainted={onPainted}
    />
  );
}

function LineSettingsEditor({ panel, onChange, onClose }: PanelSettingsProps) {
  const env = usePanelEnv();
  const settings = panel.key
    ? settingsOf(panel, env.metricKinds.get(panel.key), env.stepMetrics.get(panel.key))
    : settingsOf(panel, undefined);
  return (
    <PanelSettings
      title={lineModule.title(panel)}
      settings={settings}
      xKeys={env.xKeys.filter((k) => k !== panel.key)}
      grouped={env.grouped}
      onChange={(part: Partial<LineSettings>) => {
        onChange({ ...panel, settings: { ...(panel.settings ?? {}), ...part } });
      }}
      onReset={() => {
        const rest = { ...panel };
        delete rest.settings;
        onChange(rest);
      }}
      onClose={onClose}
    />
  );
}

export const lineModule: PanelModule = {
  type: "line",
  label: "Line plot",
  add: "metric",
  Body: LineBody,
  Settings: LineSettingsEditor,
  title: (panel) => panel.key ?? "",
};
