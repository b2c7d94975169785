/** The contract between the workspace and a panel type (docs/design/0010): what a panel's body is
 * given, and what a panel module declares so the registry can offer, title and draw it. */

import type { ComponentType } from "react";
import type { ChartRun } from "../charts/chartRun";
import type { PanelConfig } from "../charts/layout";

export type PanelState = "idle" | "loading" | "ready" | "empty" | "error";

export interface PanelBodyProps {
  /** type, key (metric or media key), xKey/yKey, size, settings */
  panel: PanelConfig;
  entity: string;
  project: string;
  /** shown runs (max-runs setting applied), in table order */
  runs: ChartRun[];
  grouped: boolean;
  width: number;
  height: number;
  /** has been on screen at least once: load nothing before */
  seen: boolean;
  expanded: boolean;
  /** the panel's `data-state` (and `data-mode` for line charts) that tests wait on */
  onState: (state: PanelState, mode?: "exact" | "buckets" | null) => void;
  onPainted: () => void;
  /** persist a change of the panel (settings such as a chosen step or class toggles) */
  onChange: (panel: PanelConfig) => void;
}

export interface PanelSettingsProps {
  panel: PanelConfig;
  onChange: (panel: PanelConfig) => void;
  onClose: () => void;
}

export interface PanelModule {
  /** "line", "image", "table", ... (PanelConfig.type) */
  type: string;
  /** shown in Add panel */
  label: string;
  /** what the Add panel form asks for: a metric, an x/y pair of fields, one field, or a media key */
  add: "metric" | "xy" | "field" | "media";
  /** media `_type`s this panel shows (add: "media"); the first module listing a type is its default */
  mediaTypes?: readonly string[];
  Body: ComponentType<PanelBodyProps>;
  Settings?: ComponentType<PanelSettingsProps>;
  title: (panel: PanelConfig) => string;
}
