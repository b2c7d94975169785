/** The line plot of one or more metrics, and of derived metrics, across runs (generated for
 * every metric key with that key alone). */

import { LinePanel } from "../charts/LinePanel";
import { LineSeriesSettings } from "../charts/LineSeriesSettings";
import { PanelSettings } from "../charts/PanelSettings";
import { lineKeys, settingsOf, type LineSettings, type PanelConfig } from "../charts/layout";
import { usePanelEnv, type PanelEnv } from "../charts/panelEnv";
import type { PanelBodyProps, PanelModule, PanelSettingsProps } from "./types";

const NO_EXPRESSIONS: readonly string[] = [];

function lineSettings(panel: PanelConfig, env: PanelEnv): LineSettings {
  const first = lineKeys(panel)[0];
  return first ? settingsOf(panel, env.metricKinds.get(first), env.stepMetrics.get(first)) : settingsOf(panel, undefined);
}

function LineBody({ panel, runs, grouped, width, height, seen, onState, onPainted }: PanelBodyProps) {
  const env = usePanelEnv();
  return (
    <LinePanel
      metrics={lineKeys(panel)}
      expressions={panel.expressions ?? NO_EXPRESSIONS}
      knownKeys={env.metricKeys}
      runs={runs}
      grouped={grouped}
      settings={lineSettings(panel, env)}
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
  const metrics = lineKeys(panel);
  return (
    <PanelSettings
      title={lineModule.title(panel)}
      settings={lineSettings(panel, env)}
      customized={Object.keys(panel.settings ?? {}).length > 0}
      xKeys={env.xKeys.filter((k) => !metrics.includes(k))}
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
    >
      <LineSeriesSettings
        metrics={metrics}
        expressions={panel.expressions ?? NO_EXPRESSIONS}
        allKeys={[...env.metricKeys]}
        onChange={(keys, expressions) => {
          const next: PanelConfig = { ...panel };
          // `key` stays the first metric: the panel's section and what older builds read
          // (a panel of derived lines only keeps `key` for its section, with empty `keys`)
          next.keys = keys;
          if (keys.length > 0) next.key = keys[0];
          if (expressions.length > 0) next.expressions = expressions;
          else delete next.expressions;
          onChange(next);
        }}
      />
    </PanelSettings>
  );
}

export const lineModule: PanelModule = {
  type: "line",
  label: "Line plot",
  add: "metric",
  Body: LineBody,
  Settings: LineSettingsEditor,
  title: (panel) => [...lineKeys(panel), ...(panel.expressions ?? [])].join(", "),
};
