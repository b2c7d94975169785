/** A bar chart of one summary (or config) value, one bar per run. */

import { BarPanel } from "../charts/BarPanel";
import type { PanelBodyProps, PanelModule } from "./types";

function BarBody({ panel, runs, width, height, seen, onState }: PanelBodyProps) {
  if (!panel.key || !seen) return null;
  return <BarPanel runs={runs} valueKey={panel.key} width={width} height={height} onState={onState} />;
}

export const barModule: PanelModule = {
  type: "bar",
  label: "Bar chart",
  add: "field",
  Body: BarBody,
  title: (panel) => panel.key ?? "bar",
};
