/** A scatter plot of two config/summary keys, one point per run. */

import { ScatterPanel } from "../charts/ScatterPanel";
import type { PanelBodyProps, PanelModule } from "./types";

function ScatterBody({ panel, runs, width, height, seen, onState }: PanelBodyProps) {
  if (!panel.xKey || !panel.yKey || !seen) return null;
  return <ScatterPanel runs={runs} xKey={panel.xKey} yKey={panel.yKey} width={width} height={height} onState={onState} />;
}

export const scatterModule: PanelModule = {
  type: "scatter",
  label: "Scatter plot",
  add: "xy",
  Body: ScatterBody,
  title: (panel) => `${panel.yKey ?? "?"} vs ${panel.xKey ?? "?"}`,
};
